package io.lionherd.concurrency;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.micrometer.MicrometerMonitorRecorder;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Tests for {@link AsyncUtils#monitorStage}: the monitor of a call that hands back its
 * own stage, recorded as {@code async} when that stage completes.
 */
class AsyncUtilsMonitorStageTests {

	private final ManualTime time = new ManualTime();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final AsyncUtils asyncUtils = AsyncUtils.builder().executor((task) -> {
		throw new AssertionError("monitorStage must not use the executor");
	}).ticker(this.time).scheduler(this.time).monitorRecorder(new MicrometerMonitorRecorder(this.registry)).build();

	@Test
	void returnsTheTasksOwnStageAndRecordsItWhenItCompletes() throws Exception {
		CompletableFuture<String> own = new CompletableFuture<>();
		CompletableFuture<String> returned = this.asyncUtils.monitorStage("quote", () -> own);
		assertThat(returned).isSameAs(own);
		assertThat(this.registry.find("lionherd.monitor").timer()).isNull();
		this.time.advance(Duration.ofMillis(40));
		own.complete("42");
		Timer timer = timer("quote", "success", "none");
		assertThat(timer.count()).isOne();
		assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(40.0);
	}

	@Test
	void stageFailingIsRecordedWithItsOwnException() throws Exception {
		CompletableFuture<String> own = new CompletableFuture<>();
		this.asyncUtils.monitorStage("quote", () -> own);
		own.completeExceptionally(new IllegalStateException("declined"));
		assertThat(timer("quote", "error", "IllegalStateException").count()).isOne();
	}

	@Test
	void taskThrowingIsRecordedAndThrowsItsOwnException() {
		IOException failure = new IOException("no connection");
		Throwable thrown = catchThrowable(() -> this.asyncUtils.monitorStage("quote", () -> {
			throw failure;
		}));
		assertThat(thrown).isSameAs(failure);
		assertThat(timer("quote", "error", "IOException").count()).isOne();
	}

	@Test
	void taskReturningNullIsRecordedAsAFailureAndReturnsNull() throws Exception {
		CompletableFuture<String> returned = this.asyncUtils.monitorStage("quote", () -> null);
		assertThat(returned).isNull();
		assertThat(timer("quote", "error", "NullPointerException").count()).isOne();
	}

	private Timer timer(String name, String outcome, String exception) {
		Timer timer = this.registry.find("lionherd.monitor")
			.tags("name", name, "type", "async", "outcome", outcome, "exception", exception)
			.timer();
		assertThat(timer).as("timer %s/%s/%s", name, outcome, exception).isNotNull();
		return timer;
	}

}
