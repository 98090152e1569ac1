package io.lionherd.concurrency;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lionherd.concurrency.micrometer.MicrometerMonitorRecorder;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Tests for the performance monitor: {@link AsyncUtils#monitor(String, Callable)},
 * {@link AsyncUtils#monitorAsync(String, AsyncCallable)} and the {@code lionherd.monitor}
 * timers.
 */
class AsyncUtilsMonitorTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final ExecutorService pool = Executors.newFixedThreadPool(4);

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final AsyncUtils asyncUtils = AsyncUtils.builder()
		.executor(this.pool)
		.monitorRecorder(new MicrometerMonitorRecorder(this.registry))
		.build();

	@AfterEach
	void shutDownPool() throws InterruptedException {
		this.pool.shutdownNow();
		assertThat(this.pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
	}

	// --- the notebook's recipes

	@Test
	void heavyComputationGivesSumElapsedAndSyncType() {
		MonitorResult<Integer> result = get(this.asyncUtils.monitor("heavy_computation", () -> {
			Thread.sleep(100);
			return IntStream.range(0, 1000).sum();
		}));
		assertThat(result.result()).isEqualTo(499500);
		assertThat(result.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(100)).isLessThan(WAIT);
		assertThat(result.type()).isEqualTo(ExecutionType.SYNC);
	}

	@Test
	void heavyComputationIsRecordedAsOneSuccessfulSyncTimer() {
		get(this.asyncUtils.monitor("heavy_computation", () -> {
			Thread.sleep(100);
			return IntStream.range(0, 1000).sum();
		}));
		assertThat(this.registry.find("lionherd.monitor").timers()).hasSize(1);
		Timer timer = timer(this.registry, "heavy_computation", "sync", "success", "none");
		assertThat(timer.count()).isOne();
		assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(100.0);
	}

	@Test
	void lightAsyncWorkGivesDoubledValueElapsedAndAsyncType() {
		MonitorResult<Integer> result = get(this.asyncUtils.monitorAsync("light_async_work",
				() -> this.asyncUtils.sleep(Duration.ofMillis(100)).thenApply((v) -> 42 * 2)));
		assertThat(result.result()).isEqualTo(84);
		assertThat(result.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(100)).isLessThan(WAIT);
		assertThat(result.type()).isEqualTo(ExecutionType.ASYNC);
	}

	@Test
	void lightAsyncWorkIsRecordedAsOneSuccessfulAsyncTimer() {
		get(this.asyncUtils.monitorAsync("light_async_work",
				() -> this.asyncUtils.sleep(Duration.ofMillis(100)).thenApply((v) -> 84)));
		assertThat(this.registry.find("lionherd.monitor").timers()).hasSize(1);
		assertThat(timer(this.registry, "light_async_work", "async", "success", "none").count()).isOne();
	}

	@Test
	void monitorAsyncCallsTaskOnCallersThread() {
		AtomicReference<Thread> caller = new AtomicReference<>();
		get(this.asyncUtils.monitorAsync("caller_thread", () -> {
			caller.set(Thread.currentThread());
			return this.asyncUtils.sleep(Duration.ofMillis(10)).thenApply((v) -> "done");
		}));
		assertThat(caller.get()).isSameAs(Thread.currentThread());
	}

	@Test
	void monitorRunsTaskOffCallersThread() {
		AtomicReference<Thread> worker = new AtomicReference<>();
		get(this.asyncUtils.monitor("worker_thread", () -> {
			worker.set(Thread.currentThread());
			return "done";
		}));
		assertThat(worker.get()).isNotNull().isNotSameAs(Thread.currentThread());
	}

	@Test
	void monitorAsyncOfAlreadyCompletedStageGivesItsValue() {
		MonitorResult<String> result = get(
				this.asyncUtils.monitorAsync("completed", () -> CompletableFuture.completedFuture("ready")));
		assertThat(result.result()).isEqualTo("ready");
		assertThat(result.type()).isEqualTo(ExecutionType.ASYNC);
		assertThat(timer(this.registry, "completed", "async", "success", "none").count()).isOne();
	}

	// --- failures

	@Test
	void failingTaskFailsFutureWithItsOwnExceptionInstance() {
		IllegalStateException boom = new IllegalStateException("boom");
		CompletableFuture<MonitorResult<Object>> future = this.asyncUtils.monitor("failing", () -> {
			throw boom;
		});
		assertThat(future.handle((value, error) -> error)).succeedsWithin(WAIT).isSameAs(boom);
	}

	@Test
	void failingTaskGetThrowsExecutionExceptionCausedByItsOwnException() {
		IllegalStateException boom = new IllegalStateException("boom");
		CompletableFuture<MonitorResult<Object>> future = this.asyncUtils.monitor("failing", () -> {
			throw boom;
		});
		assertThatExceptionOfType(ExecutionException.class)
			.isThrownBy(() -> future.get(WAIT.toSeconds(), TimeUnit.SECONDS))
			.havingCause()
			.isSameAs(boom);
	}

	@Test
	void failingTaskIsRecordedWithErrorOutcomeAndExceptionName() {
		CompletableFuture<MonitorResult<Object>> future = this.asyncUtils.monitor("failing", () -> {
			throw new IllegalStateException("boom");
		});
		awaitDone(future);
		assertThat(timer(this.registry, "failing", "sync", "error", "IllegalStateException").count()).isOne();
		assertThat(this.registry.find("lionherd.monitor").tag("outcome", "success").timers()).isEmpty();
	}

	@Test
	void successesOfEachTypeAndFailuresOfOneNameKeepTheirOwnTimers() {
		get(this.asyncUtils.monitorAsync("mixed", () -> CompletableFuture.completedFuture(1)));
		get(this.asyncUtils.monitor("mixed", () -> 2));
		awaitDone(this.asyncUtils.monitorAsync("mixed",
				() -> CompletableFuture.failedFuture(new IllegalStateException("boom"))));
		get(this.asyncUtils.monitorAsync("mixed", () -> CompletableFuture.completedFuture(3)));
		get(this.asyncUtils.monitor("mixed", () -> 4));
		assertThat(timer(this.registry, "mixed", "async", "success", "none").count()).isEqualTo(2);
		assertThat(timer(this.registry, "mixed", "sync", "success", "none").count()).isEqualTo(2);
		assertThat(timer(this.registry, "mixed", "async", "error", "IllegalStateException").count()).isOne();
		assertThat(this.registry.find("lionherd.monitor").timers()).hasSize(3);
	}

	@Test
	void asyncTaskThrowingSynchronouslyFailsFutureWithItsOwnException() {
		IOException thrown = new IOException("sync throw");
		CompletableFuture<MonitorResult<String>> future = this.asyncUtils.monitorAsync("throwing", () -> {
			throw thrown;
		});
		assertThat(future.handle((value, error) -> error)).succeedsWithin(WAIT).isSameAs(thrown);
	}

	@Test
	void asyncTaskThrowingSynchronouslyIsRecordedAsError() {
		CompletableFuture<MonitorResult<String>> future = this.asyncUtils.monitorAsync("throwing", () -> {
			throw new IOException("sync throw");
		});
		awaitDone(future);
		assertThat(timer(this.registry, "throwing", "async", "error", "IOException").count()).isOne();
	}

	@Test
	void asyncTaskReturningFailedStageFailsFutureWithUnwrappedException() {
		IllegalArgumentException bad = new IllegalArgumentException("bad");
		CompletableFuture<MonitorResult<String>> future = this.asyncUtils.monitorAsync("failed_stage",
				() -> this.asyncUtils.sleep(Duration.ofMillis(10)).thenApply((v) -> {
					throw bad;
				}));
		assertThat(future.handle((value, error) -> error)).succeedsWithin(WAIT)
			.isNotInstanceOf(CompletionException.class)
			.isSameAs(bad);
	}

	@Test
	void asyncTaskReturningFailedStageIsRecordedWithUnwrappedExceptionName() {
		CompletableFuture<MonitorResult<String>> future = this.asyncUtils.monitorAsync("failed_stage",
				() -> this.asyncUtils.sleep(Duration.ofMillis(10)).thenApply((v) -> {
					throw new IllegalArgumentException("bad");
				}));
		awaitDone(future);
		assertThat(timer(this.registry, "failed_stage", "async", "error", "IllegalArgumentException").count()).isOne();
		assertThat(this.registry.find("lionherd.monitor").tag("exception", "CompletionException").timers()).isEmpty();
	}

	@Test
	void asyncTaskReturningNullStageFailsWithNullPointerException() {
		CompletableFuture<MonitorResult<String>> future = this.asyncUtils.monitorAsync("null_stage", () -> null);
		assertThat(future.handle((value, error) -> error)).succeedsWithin(WAIT)
			.isInstanceOf(NullPointerException.class);
		assertThat(timer(this.registry, "null_stage", "async", "error", "NullPointerException").count()).isOne();
	}

	// --- the clock

	@Test
	void elapsedComesFromInjectedTicker() {
		AtomicLong ticker = new AtomicLong(1_000_000_000L);
		AsyncUtils ticked = AsyncUtils.builder()
			.executor(this.pool)
			.monitorRecorder(new MicrometerMonitorRecorder(this.registry))
			.ticker(ticker::get)
			.build();
		MonitorResult<String> result = get(ticked.monitor("ticked", () -> {
			ticker.addAndGet(Duration.ofMillis(250).toNanos());
			return "done";
		}));
		assertThat(result.elapsed()).isEqualTo(Duration.ofMillis(250));
		Timer timer = timer(this.registry, "ticked", "sync", "success", "none");
		assertThat(timer.count()).isOne();
		assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(250.0);
	}

	@Test
	void asyncElapsedComesFromInjectedTicker() {
		AtomicLong ticker = new AtomicLong(-5_000_000_000L);
		AsyncUtils ticked = AsyncUtils.builder()
			.executor(this.pool)
			.monitorRecorder(new MicrometerMonitorRecorder(this.registry))
			.ticker(ticker::get)
			.build();
		CompletableFuture<String> stage = new CompletableFuture<>();
		CompletableFuture<MonitorResult<String>> future = ticked.monitorAsync("ticked_async", () -> stage);
		ticker.addAndGet(Duration.ofMillis(250).toNanos());
		stage.complete("done");
		MonitorResult<String> result = get(future);
		assertThat(result.elapsed()).isEqualTo(Duration.ofMillis(250));
		assertThat(timer(this.registry, "ticked_async", "async", "success", "none").totalTime(TimeUnit.MILLISECONDS))
			.isEqualTo(250.0);
	}

	// --- recording switches and bounds

	@Test
	void noRecorderRecordsNothingButStillReturnsResults() {
		AsyncUtils disabled = AsyncUtils.builder().executor(this.pool).monitorRecorder(MonitorRecorder.none()).build();
		MonitorResult<Integer> sync = get(disabled.monitor("heavy_computation", () -> 499500));
		MonitorResult<Integer> async = get(disabled.monitorAsync("light_async_work",
				() -> disabled.sleep(Duration.ofMillis(10)).thenApply((v) -> 84)));
		awaitDone(disabled.monitor("failing", () -> {
			throw new IllegalStateException("boom");
		}));
		assertThat(sync.result()).isEqualTo(499500);
		assertThat(sync.type()).isEqualTo(ExecutionType.SYNC);
		assertThat(async.result()).isEqualTo(84);
		assertThat(async.type()).isEqualTo(ExecutionType.ASYNC);
		assertThat(this.registry.find("lionherd.monitor").meters()).isEmpty();
	}

	@Test
	void namesBeyondMaxNamesAreRecordedAsOther() {
		AsyncUtils bounded = AsyncUtils.builder()
			.executor(this.pool)
			.monitorRecorder(new MicrometerMonitorRecorder(this.registry, 3))
			.build();
		for (String name : List.of("a", "b", "c", "d", "e", "a")) {
			get(bounded.monitor(name, () -> name));
		}
		assertThat(timer(this.registry, "a", "sync", "success", "none").count()).isEqualTo(2);
		assertThat(timer(this.registry, "b", "sync", "success", "none").count()).isOne();
		assertThat(timer(this.registry, "c", "sync", "success", "none").count()).isOne();
		assertThat(timer(this.registry, "other", "sync", "success", "none").count()).isEqualTo(2);
		assertThat(this.registry.find("lionherd.monitor").tag("name", "d").timers()).isEmpty();
		assertThat(this.registry.find("lionherd.monitor").tag("name", "e").timers()).isEmpty();
	}

	@Test
	void maxNamesHoldsExactlyUnderContention() throws Exception {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		AsyncUtils limited = AsyncUtils.builder()
			.executor(Runnable::run)
			.monitorRecorder(new MicrometerMonitorRecorder(registry, 10))
			.build();
		int threads = 8;
		java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
		List<Thread> callers = new java.util.ArrayList<>();
		for (int t = 0; t < threads; t++) {
			int offset = t;
			Thread caller = new Thread(() -> {
				try {
					start.await();
				}
				catch (Exception ex) {
					return;
				}
				for (int i = 0; i < 200; i++) {
					String name = "name-" + ((i * threads + offset) % 100);
					limited.monitorAsync(name, () -> CompletableFuture.completedFuture(name));
				}
			});
			callers.add(caller);
			caller.start();
		}
		for (Thread caller : callers) {
			caller.join(30_000);
		}
		assertThat(registry.find("lionherd.monitor").timers()).extracting((timer) -> timer.getId().getTag("name"))
			.doesNotHaveDuplicates()
			.hasSize(11)
			.contains("other");
		assertThat(registry.find("lionherd.monitor").timers().stream().mapToLong(Timer::count).sum())
			.isEqualTo(threads * 200L);
	}

	@Test
	void exceedingMaxNamesLogsExactlyOneWarning() {
		Logger logger = (Logger) LoggerFactory.getLogger(MicrometerMonitorRecorder.class);
		ListAppender<ILoggingEvent> appender = new ListAppender<>();
		appender.start();
		logger.addAppender(appender);
		try {
			AsyncUtils bounded = AsyncUtils.builder()
				.executor(this.pool)
				.monitorRecorder(new MicrometerMonitorRecorder(this.registry, 3))
				.build();
			for (String name : List.of("a", "b", "c", "d", "e", "f", "d")) {
				get(bounded.monitor(name, () -> name));
			}
			List<ILoggingEvent> warnings = appender.list.stream()
				.filter((event) -> event.getLevel() == Level.WARN)
				.toList();
			assertThat(warnings).hasSize(1);
			assertThat(warnings.get(0).getFormattedMessage()).contains("3").contains("other");
		}
		finally {
			logger.detachAppender(appender);
			appender.stop();
		}
	}

	// --- cancellation

	@Test
	void cancellingMonitorFutureInterruptsRunningTask() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		CompletableFuture<MonitorResult<String>> future = this.asyncUtils.monitor("cancellable", () -> {
			started.countDown();
			try {
				Thread.sleep(Duration.ofMinutes(5).toMillis());
				return "not interrupted";
			}
			catch (InterruptedException ex) {
				interrupted.countDown();
				throw ex;
			}
		});
		assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(future.cancel(true)).isTrue();
		assertThat(interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(future).isCancelled();
	}

	// --- contention

	@Test
	void concurrentMonitoredCallsAreAllCounted() throws Exception {
		int threads = 8;
		int callsPerThread = 2_000;
		CyclicBarrier start = new CyclicBarrier(threads);
		ExecutorService callers = Executors.newFixedThreadPool(threads);
		List<CompletableFuture<?>> calls = java.util.Collections.synchronizedList(new ArrayList<>());
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				workers.add(callers.submit(() -> {
					start.await(30, TimeUnit.SECONDS);
					for (int i = 0; i < callsPerThread; i++) {
						calls.add(monitoredCall(i));
					}
					return null;
				}));
			}
			for (Future<?> worker : workers) {
				assertThatNoException().isThrownBy(() -> worker.get(60, TimeUnit.SECONDS));
			}
		}
		finally {
			callers.shutdownNow();
		}
		assertThat(calls).hasSize(threads * callsPerThread);
		CompletableFuture<?>[] all = calls.toArray(new CompletableFuture<?>[0]);
		assertThat(CompletableFuture.allOf(all).handle((v, e) -> "done")).succeedsWithin(Duration.ofSeconds(60));
		long perKind = threads * callsPerThread / 4;
		assertThat(timer(this.registry, "contended", "sync", "success", "none").count()).isEqualTo(perKind);
		assertThat(timer(this.registry, "contended", "sync", "error", "IllegalStateException").count())
			.isEqualTo(perKind);
		assertThat(timer(this.registry, "contended", "async", "success", "none").count()).isEqualTo(perKind);
		assertThat(timer(this.registry, "contended", "async", "error", "IllegalArgumentException").count())
			.isEqualTo(perKind);
		assertThat(this.registry.find("lionherd.monitor").timers()).hasSize(4);
	}

	private CompletableFuture<?> monitoredCall(int i) {
		return switch (i % 4) {
			case 0 -> this.asyncUtils.monitor("contended", () -> i);
			case 1 -> this.asyncUtils.monitor("contended", () -> {
				throw new IllegalStateException("sync failure " + i);
			});
			case 2 -> this.asyncUtils.monitorAsync("contended", () -> this.asyncUtils.runSync(() -> i));
			default -> this.asyncUtils.monitorAsync("contended", () -> {
				throw new IllegalArgumentException("async failure " + i);
			});
		};
	}

	// --- argument checks

	@Test
	void monitorRejectsNullName() {
		assertThatExceptionOfType(NullPointerException.class).isThrownBy(() -> this.asyncUtils.monitor(null, () -> "x"))
			.withMessageContaining("name");
	}

	@Test
	void monitorRejectsNullTask() {
		assertThatExceptionOfType(NullPointerException.class).isThrownBy(() -> this.asyncUtils.monitor("name", null))
			.withMessageContaining("task");
	}

	@Test
	void monitorAsyncRejectsNullName() {
		assertThatExceptionOfType(NullPointerException.class)
			.isThrownBy(() -> this.asyncUtils.monitorAsync(null, () -> CompletableFuture.completedFuture("x")))
			.withMessageContaining("name");
	}

	@Test
	void monitorAsyncRejectsNullTask() {
		assertThatExceptionOfType(NullPointerException.class)
			.isThrownBy(() -> this.asyncUtils.monitorAsync("name", null))
			.withMessageContaining("task");
	}

	@Test
	void nullArgumentsRecordNothing() {
		AtomicBoolean ran = new AtomicBoolean();
		assertThatExceptionOfType(NullPointerException.class).isThrownBy(() -> this.asyncUtils.monitor(null, () -> {
			ran.set(true);
			return "x";
		}));
		assertThat(ran).isFalse();
		assertThat(this.registry.find("lionherd.monitor").meters()).isEmpty();
	}

	// --- helpers

	private static Timer timer(MeterRegistry registry, String name, String type, String outcome, String exception) {
		return registry.get("lionherd.monitor")
			.tags("name", name, "type", type, "outcome", outcome, "exception", exception)
			.timer();
	}

	private static <T> T get(CompletableFuture<T> future) {
		assertThat(future).succeedsWithin(WAIT);
		return future.join();
	}

	private static void awaitDone(CompletableFuture<?> future) {
		assertThat(future.handle((value, error) -> {
			if (error instanceof CancellationException) {
				throw new AssertionError("unexpectedly cancelled", error);
			}
			return "done";
		})).succeedsWithin(WAIT);
	}

	@Test
	void failingMeterRegistryNeitherFailsNorStrandsTheMonitoredCall() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		registry.config().meterFilter(new MeterFilter() {
			@Override
			public Meter.Id map(Meter.Id id) {
				throw new IllegalStateException("broken filter");
			}
		});
		AsyncUtils monitored = AsyncUtils.builder()
			.executor(this.pool)
			.monitorRecorder(new MicrometerMonitorRecorder(registry))
			.build();
		CompletableFuture<Integer> later = new CompletableFuture<>();
		CompletableFuture<MonitorResult<Integer>> pending = monitored.monitorAsync("pending", () -> later);
		later.complete(84);
		assertThat(pending).succeedsWithin(WAIT).extracting(MonitorResult::result).isEqualTo(84);
		assertThat(monitored.monitorAsync("done", () -> CompletableFuture.completedFuture(42))).succeedsWithin(WAIT)
			.extracting(MonitorResult::result)
			.isEqualTo(42);
	}

	interface Fetcher {

		CompletableFuture<String> fetch();

	}

}
