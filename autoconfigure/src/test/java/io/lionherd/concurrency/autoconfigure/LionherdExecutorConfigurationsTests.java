package io.lionherd.concurrency.autoconfigure;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.AsyncUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the executors of {@link LionherdExecutorConfigurations}: queued tasks with a
 * {@link TaskDecorator} bean, and what happens to queued {@code runSync} futures on every
 * way the context can shut the executor down.
 */
class LionherdExecutorConfigurationsTests {

	private static final String EXECUTOR = LionherdConcurrencyAutoConfiguration.EXECUTOR_BEAN_NAME;

	private static final int QUEUED = 1_000;

	private static final Duration GENEROUS = Duration.ofSeconds(20);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class, LifecycleAutoConfiguration.class))
		.withPropertyValues("lionherd.concurrency.executor.core-size=1", "lionherd.concurrency.executor.max-size=1",
				"spring.lifecycle.timeout-per-shutdown-phase=200ms");

	@Test
	void cancelledQueuedTasksLeaveTheQueueWithATaskDecorator() {
		this.contextRunner.withUserConfiguration(MarkingTaskDecoratorConfiguration.class).run((context) -> {
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			ThreadPoolExecutor pool = context.getBean(EXECUTOR, ThreadPoolTaskExecutor.class).getThreadPoolExecutor();
			Blocker blocker = Blocker.occupy(asyncUtils);
			try {
				List<CompletableFuture<String>> queued = new ArrayList<>();
				for (int i = 0; i < QUEUED; i++) {
					queued.add(asyncUtils.runSync(() -> "queued"));
				}
				assertThat(pool.getQueue().size()).isEqualTo(QUEUED);
				queued.forEach((future) -> future.cancel(true));
				assertThat(pool.getQueue().size()).as("tasks left in the queue").isZero();
			}
			finally {
				blocker.release();
			}
		});
	}

	@Test
	void cancelledGatherTakesItsQueuedTasksOutOfTheQueueWithATaskDecorator() {
		this.contextRunner.withUserConfiguration(MarkingTaskDecoratorConfiguration.class).run((context) -> {
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			ThreadPoolExecutor pool = context.getBean(EXECUTOR, ThreadPoolTaskExecutor.class).getThreadPoolExecutor();
			Blocker blocker = Blocker.occupy(asyncUtils);
			try {
				List<CompletableFuture<String>> queued = new ArrayList<>();
				for (int i = 0; i < QUEUED; i++) {
					queued.add(asyncUtils.runSync(() -> "queued"));
				}
				Collections.reverse(queued);
				assertThat(asyncUtils.gather(queued).cancel(true)).isTrue();
				assertThat(pool.getQueue().size()).as("tasks left in the queue").isZero();
				assertThat(queued).allSatisfy((future) -> assertThat(future).isCancelled());
			}
			finally {
				blocker.release();
			}
		});
	}

	@Test
	void taskDecoratorStillAppliesToTasksQueuedBehindCancelledOnes() {
		this.contextRunner.withUserConfiguration(MarkingTaskDecoratorConfiguration.class).run((context) -> {
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			Blocker blocker = Blocker.occupy(asyncUtils);
			CompletableFuture<String> cancelled = asyncUtils.runSync(() -> "cancelled");
			CompletableFuture<String> kept = asyncUtils.runSync(MarkingTaskDecoratorConfiguration.MARKER::get);
			cancelled.cancel(true);
			blocker.release();
			assertThat(kept).succeedsWithin(GENEROUS).isEqualTo("decorated");
			assertThat(blocker.sawMarker()).isEqualTo("decorated");
		});
	}

	@Test
	void cancelledQueuedTasksReleaseTheirCallableWithATaskDecorator() {
		this.contextRunner.withUserConfiguration(MarkingTaskDecoratorConfiguration.class).run((context) -> {
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			Blocker blocker = Blocker.occupy(asyncUtils);
			try {
				List<CompletableFuture<byte[]>> queued = new ArrayList<>();
				List<WeakReference<Callable<byte[]>>> callables = new ArrayList<>();
				for (int i = 0; i < 100; i++) {
					Callable<byte[]> callable = payload();
					callables.add(new WeakReference<>(callable));
					queued.add(asyncUtils.runSync(callable));
				}
				queued.forEach((future) -> future.cancel(true));
				await().atMost(GENEROUS).untilAsserted(() -> {
					System.gc();
					assertThat(callables.stream().filter((callable) -> callable.get() != null).count())
						.as("callables still reachable after cancel")
						.isZero();
				});
				// The futures themselves stay reachable:
				// only what they hold must be released.
				assertThat(queued).allSatisfy((future) -> assertThat(future).isCancelled());
			}
			finally {
				blocker.release();
			}
		});
	}

	@Test
	void closeWithAwaitTerminationFalseCancelsQueuedFutures() {
		assertQueuedFuturesDoneAfterClose(
				this.contextRunner.withPropertyValues("lionherd.concurrency.executor.await-termination=false"));
	}

	@Test
	void closeWithAwaitTerminationFalseCancelsQueuedFuturesWithATaskDecorator() {
		assertQueuedFuturesDoneAfterClose(
				this.contextRunner.withUserConfiguration(MarkingTaskDecoratorConfiguration.class)
					.withPropertyValues("lionherd.concurrency.executor.await-termination=false"));
	}

	@Test
	void closeAfterAwaitTerminationPeriodElapsedCancelsQueuedFutures() {
		assertQueuedFuturesDoneAfterClose(
				this.contextRunner.withPropertyValues("lionherd.concurrency.executor.await-termination-period=200ms"));
	}

	@Test
	void closeAfterAwaitTerminationPeriodElapsedCancelsQueuedFuturesWithATaskDecorator() {
		assertQueuedFuturesDoneAfterClose(
				this.contextRunner.withUserConfiguration(MarkingTaskDecoratorConfiguration.class)
					.withPropertyValues("lionherd.concurrency.executor.await-termination-period=200ms"));
	}

	@Test
	void closeWithZeroAwaitTerminationPeriodCancelsQueuedFutures() {
		assertQueuedFuturesDoneAfterClose(
				this.contextRunner.withPropertyValues("lionherd.concurrency.executor.await-termination-period=0s"));
	}

	@Test
	void closeWithinAwaitTerminationPeriodRunsQueuedTasks() {
		List<CompletableFuture<String>> queued = new ArrayList<>();
		this.contextRunner.withUserConfiguration(MarkingTaskDecoratorConfiguration.class).run((context) -> {
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			CompletableFuture<Void> release = new CompletableFuture<>();
			asyncUtils.runSync(() -> release.get(10, TimeUnit.SECONDS));
			for (int i = 0; i < 10; i++) {
				queued.add(asyncUtils.runSync(MarkingTaskDecoratorConfiguration.MARKER::get));
			}
			release.complete(null);
		});
		assertThat(queued).allSatisfy((future) -> assertThat(future).isCompletedWithValue("decorated"));
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21, disabledReason = "virtual threads need Java 21+")
	void closeOfVirtualThreadsWithAwaitTerminationFalseEndsPendingFutures() {
		assertQueuedFuturesDoneAfterClose(
				this.contextRunner.withPropertyValues("lionherd.concurrency.executor.virtual-threads=true",
						"lionherd.concurrency.executor.await-termination=false"));
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21, disabledReason = "virtual threads need Java 21+")
	void closeOfVirtualThreadsAfterAwaitTerminationPeriodElapsedEndsPendingFutures() {
		assertQueuedFuturesDoneAfterClose(
				this.contextRunner.withUserConfiguration(MarkingTaskDecoratorConfiguration.class)
					.withPropertyValues("lionherd.concurrency.executor.virtual-threads=true",
							"lionherd.concurrency.executor.await-termination-period=200ms"));
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21, disabledReason = "virtual threads need Java 21+")
	void closeOfVirtualThreadsWithZeroAwaitTerminationPeriodEndsPendingFutures() {
		assertQueuedFuturesDoneAfterClose(
				this.contextRunner.withPropertyValues("lionherd.concurrency.executor.virtual-threads=true",
						"lionherd.concurrency.executor.await-termination-period=0s"));
	}

	/**
	 * Occupies the executor, queues more tasks behind the blocker (on virtual threads
	 * they all start, and wait), closes the context, and expects every future to be done
	 * soon after.
	 */
	private static void assertQueuedFuturesDoneAfterClose(ApplicationContextRunner runner) {
		List<CompletableFuture<?>> futures = new ArrayList<>();
		CountDownLatch never = new CountDownLatch(1);
		try {
			runner.run((context) -> {
				assertThat(context).hasNotFailed();
				AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
				Blocker blocker = Blocker.occupy(asyncUtils);
				futures.add(blocker.future());
				for (int i = 0; i < 100; i++) {
					futures.add(asyncUtils.runSync(() -> never.await(1, TimeUnit.MINUTES)));
				}
			});
			// Spring's virtual-thread executor throws
			// CancellationException, uncaught, on the thread of a task
			// that starts after close (having cancelled its future first).
			await().atMost(GENEROUS)
				.dontCatchUncaughtExceptions()
				.untilAsserted(() -> assertThat(futures.stream().filter((future) -> !future.isDone()).count())
					.as("futures not done after close")
					.isZero());
		}
		finally {
			never.countDown();
		}
	}

	private static Callable<byte[]> payload() {
		byte[] payload = new byte[1024];
		return () -> payload;
	}

	/**
	 * A task occupying the only worker until released (or interrupted), remembering the
	 * marker the task decorator set for it.
	 */
	private static final class Blocker {

		private final CountDownLatch release = new CountDownLatch(1);

		private final CompletableFuture<String> sawMarker = new CompletableFuture<>();

		private CompletableFuture<Boolean> future = new CompletableFuture<>();

		static Blocker occupy(AsyncUtils asyncUtils) throws Exception {
			Blocker blocker = new Blocker();
			CountDownLatch started = new CountDownLatch(1);
			blocker.future = asyncUtils.runSync(() -> {
				blocker.sawMarker.complete(String.valueOf(MarkingTaskDecoratorConfiguration.MARKER.get()));
				started.countDown();
				return blocker.release.await(1, TimeUnit.MINUTES);
			});
			assertThat(started.await(20, TimeUnit.SECONDS)).as("blocker started").isTrue();
			return blocker;
		}

		CompletableFuture<Boolean> future() {
			return this.future;
		}

		String sawMarker() throws Exception {
			return this.sawMarker.get(20, TimeUnit.SECONDS);
		}

		void release() {
			this.release.countDown();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class MarkingTaskDecoratorConfiguration {

		static final ThreadLocal<String> MARKER = new ThreadLocal<>();

		@Bean
		TaskDecorator markingTaskDecorator() {
			return (runnable) -> () -> {
				MARKER.set("decorated");
				try {
					runnable.run();
				}
				finally {
					MARKER.remove();
				}
			};
		}

	}

}
