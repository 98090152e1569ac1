package io.lionherd.concurrency;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the instrumentation SPIs of {@link AsyncUtils}, without Micrometer:
 * {@link MonitorRecorder#start} (a monitored call seen from before it starts to its end)
 * and {@link ExecutorListener}.
 */
class AsyncUtilsInstrumentationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final ExecutorService pool = Executors.newFixedThreadPool(2);

	private final List<String> events = new CopyOnWriteArrayList<>();

	@AfterEach
	void shutDownPool() throws InterruptedException {
		this.pool.shutdownNow();
		assertThat(this.pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void blockingCallIsStartedBeforeItRunsWrappedAroundItsTaskAndStoppedAfter() {
		AsyncUtils asyncUtils = AsyncUtils.builder().executor(this.pool).monitorRecorder(new EventRecorder()).build();
		assertThat(asyncUtils.monitor("sync", () -> {
			this.events.add("task");
			return 1;
		})).succeedsWithin(WAIT);
		assertThat(this.events).containsExactly("start sync SYNC", "enter", "task", "exit", "stop null");
	}

	@Test
	void asyncCallIsWrappedWhileItReturnsItsStageAndStoppedWhenTheStageFails() {
		AsyncUtils asyncUtils = AsyncUtils.builder().executor(this.pool).monitorRecorder(new EventRecorder()).build();
		CompletableFuture<Integer> stage = new CompletableFuture<>();
		CompletableFuture<MonitorResult<Integer>> call = asyncUtils.monitorAsync("async", () -> {
			this.events.add("task");
			return stage;
		});
		assertThat(this.events).containsExactly("start async ASYNC", "enter", "task", "exit");
		stage.completeExceptionally(new IllegalStateException("boom"));
		assertThat(call).failsWithin(WAIT);
		assertThat(this.events).last().isEqualTo("stop IllegalStateException");
	}

	@Test
	void recorderThatFailsToStartNeitherFailsNorStrandsTheCall() {
		MonitorRecorder broken = new MonitorRecorder() {

			@Override
			public void record(String name, ExecutionType type, @Nullable Throwable error, long nanos) {
			}

			@Override
			public Monitoring start(String name, ExecutionType type) {
				throw new IllegalStateException("broken recorder");
			}

		};
		AsyncUtils asyncUtils = AsyncUtils.builder().executor(this.pool).monitorRecorder(broken).build();
		assertThat(asyncUtils.monitor("sync", () -> 1)).succeedsWithin(WAIT)
			.extracting(MonitorResult::result)
			.isEqualTo(1);
		assertThat(asyncUtils.monitorAsync("async", () -> CompletableFuture.completedFuture(2))).succeedsWithin(WAIT)
			.extracting(MonitorResult::result)
			.isEqualTo(2);
	}

	@Test
	void recorderWithoutStartIsStillGivenEveryCall() {
		List<String> recorded = new CopyOnWriteArrayList<>();
		AsyncUtils asyncUtils = AsyncUtils.builder()
			.executor(this.pool)
			.monitorRecorder((name, type, error, nanos) -> recorded.add(name + " " + type))
			.build();
		assertThat(asyncUtils.monitor("sync", () -> 1)).succeedsWithin(WAIT);
		assertThat(asyncUtils.monitorAsync("async", () -> CompletableFuture.completedFuture(2))).succeedsWithin(WAIT);
		assertThat(recorded).containsExactly("sync SYNC", "async ASYNC");
	}

	@Test
	void executorListenerThatThrowsNeitherFailsNorDelaysTasks() throws InterruptedException {
		ExecutorListener broken = new ExecutorListener() {

			@Override
			public void taskStarted(long queueNanos) {
				throw new IllegalStateException("broken listener");
			}

			@Override
			public void taskRejected(RejectedExecutionException exception) {
				throw new IllegalStateException("broken listener");
			}

		};
		ThreadPoolExecutor saturated = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new SynchronousQueue<>());
		try {
			AsyncUtils asyncUtils = AsyncUtils.builder().executor(saturated).executorListener(broken).build();
			CountDownLatch started = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			CompletableFuture<String> busy = asyncUtils.runSync(() -> {
				started.countDown();
				release.await();
				return "ran";
			});
			assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
			assertThat(asyncUtils.runSync(() -> "refused")).failsWithin(WAIT)
				.withThrowableThat()
				.withCauseInstanceOf(RejectedExecutionException.class);
			release.countDown();
			assertThat(busy).succeedsWithin(WAIT).isEqualTo("ran");
		}
		finally {
			saturated.shutdownNow();
			assertThat(saturated.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}
	}

	private final class EventRecorder implements MonitorRecorder {

		@Override
		public void record(String name, ExecutionType type, @Nullable Throwable error, long nanos) {
			throw new AssertionError("start is overridden");
		}

		@Override
		public Monitoring start(String name, ExecutionType type) {
			AsyncUtilsInstrumentationTests.this.events.add("start " + name + " " + type);
			return new Monitoring() {

				@Override
				public <T> Callable<T> wrap(Callable<T> task) {
					return () -> {
						AsyncUtilsInstrumentationTests.this.events.add("enter");
						try {
							return task.call();
						}
						finally {
							AsyncUtilsInstrumentationTests.this.events.add("exit");
						}
					};
				}

				@Override
				public void stop(@Nullable Throwable error, long nanos) {
					AsyncUtilsInstrumentationTests.this.events
						.add("stop " + ((error != null) ? error.getClass().getSimpleName() : null));
				}

			};
		}

	}

}
