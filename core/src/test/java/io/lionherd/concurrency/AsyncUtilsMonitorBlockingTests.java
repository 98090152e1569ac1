package io.lionherd.concurrency;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.lionherd.concurrency.micrometer.MicrometerMonitorRecorder;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Tests for {@link AsyncUtils#monitorBlocking(String, Callable)}, the monitor path of a
 * blocking call measured on the caller's thread.
 */
class AsyncUtilsMonitorBlockingTests {

	private final ManualTime time = new ManualTime();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final AsyncUtils asyncUtils = AsyncUtils.builder().executor((task) -> {
		throw new AssertionError("monitorBlocking must not use the executor");
	}).ticker(this.time).scheduler(this.time).monitorRecorder(new MicrometerMonitorRecorder(this.registry)).build();

	@Test
	void callsTaskOnCallersThreadAndGivesItsResultElapsedAndSyncType() throws Exception {
		AtomicReference<Thread> caller = new AtomicReference<>();
		MonitorResult<Integer> result = this.asyncUtils.monitorBlocking("heavy_computation", () -> {
			caller.set(Thread.currentThread());
			this.time.advance(Duration.ofMillis(100));
			return 499500;
		});
		assertThat(caller.get()).isSameAs(Thread.currentThread());
		assertThat(result.result()).isEqualTo(499500);
		assertThat(result.elapsed()).isEqualTo(Duration.ofMillis(100));
		assertThat(result.type()).isEqualTo(ExecutionType.SYNC);
	}

	@Test
	void recordsASuccessfulSyncTimerWithTheMeasuredTime() throws Exception {
		this.asyncUtils.monitorBlocking("heavy_computation", () -> {
			this.time.advance(Duration.ofMillis(100));
			return 1;
		});
		Timer timer = timer("heavy_computation", "success", "none");
		assertThat(timer.count()).isOne();
		assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(100.0);
	}

	@Test
	void failingTaskThrowsItsOwnCheckedExceptionAfterRecordingIt() {
		IOException boom = new IOException("boom");
		assertThatException().isThrownBy(() -> this.asyncUtils.monitorBlocking("failing", () -> {
			this.time.advance(Duration.ofMillis(5));
			throw boom;
		})).isSameAs(boom);
		Timer timer = timer("failing", "error", "IOException");
		assertThat(timer.count()).isOne();
		assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(5.0);
	}

	@Test
	void failingTaskThrowsItsOwnErrorAfterRecordingIt() {
		StackOverflowError error = new StackOverflowError("deep");
		assertThat(catchThrowable(() -> this.asyncUtils.monitorBlocking("error", () -> {
			throw error;
		}))).isSameAs(error);
		assertThat(timer("error", "error", "StackOverflowError").count()).isOne();
	}

	@Test
	void rejectsNullName() {
		assertThatNullPointerException().isThrownBy(() -> this.asyncUtils.monitorBlocking(null, () -> 1))
			.withMessageContaining("name");
	}

	@Test
	void rejectsNullTask() {
		assertThatNullPointerException().isThrownBy(() -> this.asyncUtils.monitorBlocking("x", null))
			.withMessageContaining("task");
	}

	private Timer timer(String name, String outcome, String exception) {
		Timer timer = this.registry.find("lionherd.monitor")
			.tags("name", name, "type", "sync", "outcome", outcome, "exception", exception)
			.timer();
		assertThat(timer).as("timer %s/%s/%s", name, outcome, exception).isNotNull();
		return timer;
	}

}
