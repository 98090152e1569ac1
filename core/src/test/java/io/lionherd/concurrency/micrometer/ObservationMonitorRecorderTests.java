package io.lionherd.concurrency.micrometer;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.ExecutionType;
import io.lionherd.concurrency.MonitorResult;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ObservationMonitorRecorder}: monitored calls as
 * {@code lionherd.monitor} observations.
 */
class ObservationMonitorRecorderTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final ExecutorService pool = Executors.newFixedThreadPool(2);

	private final TestObservationRegistry observations = TestObservationRegistry.create();

	private final AsyncUtils asyncUtils = AsyncUtils.builder()
		.executor(this.pool)
		.monitorRecorder(new ObservationMonitorRecorder(this.observations))
		.build();

	@AfterEach
	void shutDownPool() throws InterruptedException {
		this.pool.shutdownNow();
		assertThat(this.pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void successfulBlockingCallIsAStoppedObservationWithTheMonitorTags() {
		assertThat(this.asyncUtils.monitor("heavy_computation", () -> 499500)).succeedsWithin(WAIT)
			.extracting(MonitorResult::result)
			.isEqualTo(499500);
		assertThat(this.observations).hasNumberOfObservationsWithNameEqualTo("lionherd.monitor", 1)
			.hasObservationWithNameEqualTo("lionherd.monitor")
			.that()
			.hasContextualNameEqualTo("heavy_computation")
			.hasLowCardinalityKeyValue("name", "heavy_computation")
			.hasLowCardinalityKeyValue("type", "sync")
			.hasLowCardinalityKeyValue("outcome", "success")
			.hasLowCardinalityKeyValue("exception", "none")
			.hasBeenStarted()
			.hasBeenStopped()
			.doesNotHaveError();
	}

	@Test
	void failedAsyncCallIsAnObservationWithItsErrorAndException() {
		IOException failure = new IOException("down");
		assertThat(this.asyncUtils.monitorAsync("light_async_work", () -> CompletableFuture.failedFuture(failure)))
			.failsWithin(WAIT)
			.withThrowableOfType(java.util.concurrent.ExecutionException.class)
			.withCause(failure);
		assertThat(this.observations).hasObservationWithNameEqualTo("lionherd.monitor")
			.that()
			.hasLowCardinalityKeyValue("name", "light_async_work")
			.hasLowCardinalityKeyValue("type", "async")
			.hasLowCardinalityKeyValue("outcome", "error")
			.hasLowCardinalityKeyValue("exception", "IOException")
			.hasError(failure)
			.hasBeenStopped();
	}

	@Test
	void observationStartsBeforeTheCallAndStopsOnlyWhenItCompletes() throws InterruptedException {
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<MonitorResult<String>> call = this.asyncUtils.monitor("slow", () -> {
			release.await();
			return "done";
		});
		assertThat(this.observations).hasObservationWithNameEqualTo("lionherd.monitor")
			.that()
			.hasBeenStarted()
			.isNotStopped();
		release.countDown();
		assertThat(call).succeedsWithin(WAIT);
		assertThat(this.observations).hasObservationWithNameEqualTo("lionherd.monitor").that().hasBeenStopped();
	}

	@Test
	void blockingTaskRunsWithItsObservationCurrentOnTheWorker() {
		AtomicReference<Observation> current = new AtomicReference<>();
		assertThat(this.asyncUtils.monitor("inside", () -> {
			current.set(this.observations.getCurrentObservation());
			return 1;
		})).succeedsWithin(WAIT);
		assertThat(current.get()).isNotNull();
		assertThat(current.get().getContext().getName()).isEqualTo("lionherd.monitor");
		assertThat(current.get().getContext().getLowCardinalityKeyValue("name").getValue()).isEqualTo("inside");
	}

	@Test
	void asyncTaskReturnsItsStageWithItsObservationCurrent() {
		AtomicReference<Observation> current = new AtomicReference<>();
		assertThat(this.asyncUtils.monitorAsync("inside_async", () -> {
			current.set(this.observations.getCurrentObservation());
			return CompletableFuture.completedFuture(2);
		})).succeedsWithin(WAIT);
		assertThat(current.get()).isNotNull();
		assertThat(current.get().getContext().getLowCardinalityKeyValue("name").getValue()).isEqualTo("inside_async");
		assertThat(this.observations.getCurrentObservation()).as("scope closed after the call").isNull();
	}

	@Test
	void observationOfACallInsideAnotherObservationIsItsChild() {
		Observation parent = Observation.start("request", this.observations);
		try (Observation.Scope scope = parent.openScope()) {
			assertThat(this.asyncUtils.monitor("child", () -> 1)).succeedsWithin(WAIT);
		}
		parent.stop();
		assertThat(this.observations).hasObservationWithNameEqualTo("lionherd.monitor")
			.that()
			.hasParentObservationEqualTo(parent);
	}

	@Test
	void namesBeyondMaxNamesAreObservedAsOther() {
		AsyncUtils limited = AsyncUtils.builder()
			.executor(this.pool)
			.monitorRecorder(new ObservationMonitorRecorder(this.observations, 1))
			.build();
		assertThat(limited.monitor("first", () -> 1)).succeedsWithin(WAIT);
		assertThat(limited.monitor("second", () -> 2)).succeedsWithin(WAIT);
		assertThat(this.observations).hasNumberOfObservationsWithNameEqualTo("lionherd.monitor", 2)
			.hasAnObservationWithAKeyValue("name", "first")
			.hasAnObservationWithAKeyValue("name", "other");
	}

	@Test
	void withTheMeterHandlerEachCallIsOneLionherdMonitorTimerWithTheMonitorTags() {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		ObservationRegistry registry = ObservationRegistry.create();
		registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
		AsyncUtils observed = AsyncUtils.builder()
			.executor(this.pool)
			.monitorRecorder(new ObservationMonitorRecorder(registry))
			.build();
		assertThat(observed.monitor("heavy_computation", () -> 1)).succeedsWithin(WAIT);
		assertThat(observed.monitorAsync("light_async_work", () -> CompletableFuture.completedFuture(2)))
			.succeedsWithin(WAIT);
		assertThat(meters.find("lionherd.monitor").timers()).hasSize(2);
		Timer timer = meters.get("lionherd.monitor")
			.tags("name", "heavy_computation", "type", "sync", "outcome", "success", "exception", "none")
			.timer();
		assertThat(timer.count()).isOne();
		assertThat(meters.get("lionherd.monitor").tags("name", "light_async_work", "type", "async").timer().count())
			.isOne();
	}

	@Test
	void recordingWithoutStartIsAnObservationToo() {
		new ObservationMonitorRecorder(this.observations).record("late", ExecutionType.SYNC, null, 5);
		assertThat(this.observations).hasObservationWithNameEqualTo("lionherd.monitor")
			.that()
			.hasLowCardinalityKeyValue("name", "late")
			.hasBeenStopped();
	}

}
