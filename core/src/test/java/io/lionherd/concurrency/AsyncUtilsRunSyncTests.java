package io.lionherd.concurrency;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link AsyncUtils#runSync}.
 */
class AsyncUtilsRunSyncTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final List<ExecutorService> executors = new ArrayList<>();

	@AfterEach
	void shutdownExecutors() throws InterruptedException {
		for (ExecutorService executor : this.executors) {
			executor.shutdownNow();
			assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
	}

	private ThreadPoolExecutor pool(int threads, int queueCapacity) {
		ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
				new ArrayBlockingQueue<>(queueCapacity));
		this.executors.add(pool);
		return pool;
	}

	@Test
	void runSyncCompletesWithTheTaskResult() {
		AsyncUtils asyncUtils = AsyncUtils.create(pool(2, 10));
		assertThat(asyncUtils.runSync(() -> "Completed task-1 after 0.2s")).succeedsWithin(WAIT)
			.isEqualTo("Completed task-1 after 0.2s");
	}

	@Test
	void runSyncNeverBlocksTheCaller() throws Exception {
		AsyncUtils asyncUtils = AsyncUtils.create(pool(1, 10));
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> future = asyncUtils.runSync(() -> {
			release.await();
			return "done";
		});
		assertThat(future).isNotDone();
		release.countDown();
		assertThat(future).succeedsWithin(WAIT).isEqualTo("done");
	}

	@Test
	void runSyncRunnableCompletesWithNull() {
		AsyncUtils asyncUtils = AsyncUtils.create(pool(1, 10));
		AtomicBoolean ran = new AtomicBoolean();
		assertThat(asyncUtils.runSync(() -> ran.set(true))).succeedsWithin(WAIT).isNull();
		assertThat(ran).isTrue();
	}

	@Test
	void runSyncFailsWithTheTasksOwnException() {
		AsyncUtils asyncUtils = AsyncUtils.create(pool(1, 10));
		IOException failure = new IOException("disk on fire");
		CompletableFuture<Object> future = asyncUtils.runSync(() -> {
			throw failure;
		});
		AtomicReference<Throwable> seen = new AtomicReference<>();
		future.whenComplete((value, error) -> seen.set(error));
		assertThat(future).failsWithin(WAIT).withThrowableOfType(ExecutionException.class).withCause(failure);
		assertThat(seen.get()).isSameAs(failure);
	}

	@Test
	void cancelInterruptsTheWorkerRunningTheTask() throws Exception {
		AsyncUtils asyncUtils = AsyncUtils.create(pool(1, 10));
		CountDownLatch started = new CountDownLatch(1);
		AtomicBoolean interrupted = new AtomicBoolean();
		CompletableFuture<Object> future = asyncUtils.runSync(() -> {
			started.countDown();
			try {
				Thread.sleep(60_000);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
			}
			return null;
		});
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(future.cancel(true)).isTrue();
		await().atMost(WAIT).untilTrue(interrupted);
		assertThat(future).isCancelled();
	}

	@Test
	void cancelWithoutInterruptLetsTheWorkerFinish() throws Exception {
		AsyncUtils asyncUtils = AsyncUtils.create(pool(1, 10));
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		AtomicBoolean interrupted = new AtomicBoolean();
		AtomicBoolean finished = new AtomicBoolean();
		CompletableFuture<Object> future = asyncUtils.runSync(() -> {
			started.countDown();
			try {
				release.await();
				finished.set(true);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
			}
			return null;
		});
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		future.cancel(false);
		release.countDown();
		await().atMost(WAIT).untilTrue(finished);
		assertThat(interrupted).isFalse();
	}

	@Test
	void cancelledQueuedTaskNeverRunsAndLeavesTheQueue() throws Exception {
		ThreadPoolExecutor pool = pool(1, 10);
		AsyncUtils asyncUtils = AsyncUtils.create(pool);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Object> blocker = asyncUtils.runSync(() -> release.await(10, TimeUnit.SECONDS));
		AtomicBoolean queuedRan = new AtomicBoolean();
		CompletableFuture<Void> queued = asyncUtils.runSync(() -> queuedRan.set(true));
		assertThat(pool.getQueue()).hasSize(1);
		assertThat(queued.cancel(true)).isTrue();
		assertThat(pool.getQueue()).isEmpty();
		release.countDown();
		assertThat(blocker).succeedsWithin(WAIT);
		CompletableFuture<Void> after = asyncUtils.runSync(() -> {
		});
		assertThat(after).succeedsWithin(WAIT);
		assertThat(queuedRan).isFalse();
	}

	@Test
	void cancelledTaskNeverRunsEvenOnAnExecutorWithoutRemove() throws Exception {
		ExecutorService single = Executors.newSingleThreadExecutor();
		this.executors.add(single);
		AsyncUtils asyncUtils = AsyncUtils.create((command) -> single.execute(command));
		CountDownLatch release = new CountDownLatch(1);
		asyncUtils.runSync(() -> release.await(10, TimeUnit.SECONDS));
		AtomicBoolean ran = new AtomicBoolean();
		CompletableFuture<Void> queued = asyncUtils.runSync(() -> ran.set(true));
		queued.cancel(true);
		release.countDown();
		assertThat(asyncUtils.runSync(() -> "after")).succeedsWithin(WAIT);
		assertThat(ran).isFalse();
	}

	@Test
	void fullExecutorFailsTheFutureInsteadOfThrowing() throws Exception {
		AsyncUtils asyncUtils = AsyncUtils.create(pool(1, 1));
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Object> running = asyncUtils.runSync(() -> release.await(10, TimeUnit.SECONDS));
		CompletableFuture<Object> queued = asyncUtils.runSync(() -> "queued");
		CompletableFuture<Object> rejected = asyncUtils.runSync(() -> "rejected");
		assertThat(rejected).isCompletedExceptionally();
		assertThat(rejected).failsWithin(WAIT)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(RejectedExecutionException.class);
		release.countDown();
		assertThat(running).succeedsWithin(WAIT);
		assertThat(queued).succeedsWithin(WAIT).isEqualTo("queued");
	}

	@Test
	void shutDownExecutorFailsTheFutureWithRejection() {
		ThreadPoolExecutor pool = pool(1, 1);
		pool.shutdown();
		AsyncUtils asyncUtils = AsyncUtils.create(pool);
		assertThat(asyncUtils.runSync(() -> "never")).failsWithin(WAIT)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(RejectedExecutionException.class);
	}

	@Test
	void cancellationInterruptDoesNotLeakIntoTheNextTask() throws Exception {
		// One bare worker thread: unlike ThreadPoolExecutor it does not clear interrupts
		// between tasks, so a leaked cancellation interrupt would reach the next task.
		LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
		Thread worker = new Thread(() -> {
			while (true) {
				try {
					queue.take().run();
				}
				catch (InterruptedException ex) {
					return;
				}
			}
		}, "bare-worker");
		worker.setDaemon(true);
		worker.start();
		AsyncUtils asyncUtils = AsyncUtils.create(queue::add);
		CountDownLatch started = new CountDownLatch(1);
		CompletableFuture<Object> first = asyncUtils.runSync(() -> {
			started.countDown();
			long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (!Thread.currentThread().isInterrupted() && System.nanoTime() < end) {
				Thread.onSpinWait();
			}
			return null;
		});
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		first.cancel(true);
		assertThat(asyncUtils.runSync(() -> Thread.currentThread().isInterrupted())).succeedsWithin(WAIT)
			.isEqualTo(false);
	}

	@Test
	void taskCompletesWhileACallerHoldsTheFuturesMonitor() throws Exception {
		ThreadPoolExecutor pool = pool(1, 10);
		AsyncUtils asyncUtils = AsyncUtils.create(pool);
		CountDownLatch release = new CountDownLatch(1);
		asyncUtils.runSync(() -> release.await(10, TimeUnit.SECONDS));
		CountDownLatch started = new CountDownLatch(1);
		CompletableFuture<String> future = asyncUtils.runSync(() -> {
			started.countDown();
			return "done";
		});
		synchronized (future) {
			// The worker starts the task only now, while this thread holds the monitor.
			release.countDown();
			assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("task started").isTrue();
			assertThat(future).succeedsWithin(WAIT).isEqualTo("done");
		}
	}

	@Test
	void cancelInterruptsTheTaskWhileAnotherThreadHoldsTheFuturesMonitor() throws Exception {
		AsyncUtils asyncUtils = AsyncUtils.create(pool(1, 10));
		CountDownLatch started = new CountDownLatch(1);
		AtomicBoolean interrupted = new AtomicBoolean();
		CompletableFuture<Object> future = asyncUtils.runSync(() -> {
			started.countDown();
			try {
				Thread.sleep(60_000);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
			}
			return null;
		});
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		CountDownLatch held = new CountDownLatch(1);
		CountDownLatch letGo = new CountDownLatch(1);
		Thread holder = new Thread(() -> {
			synchronized (future) {
				held.countDown();
				try {
					letGo.await(60, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		}, "monitor-holder");
		holder.start();
		try {
			assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
			CompletableFuture<Boolean> cancel = CompletableFuture.supplyAsync(() -> future.cancel(true));
			assertThat(cancel).succeedsWithin(WAIT).isEqualTo(true);
			await().atMost(WAIT).untilTrue(interrupted);
		}
		finally {
			letGo.countDown();
			holder.join(10_000);
		}
	}

	@Test
	void cancellingWhatShutdownNowDrainedCompletesEveryDrainedFuture() throws Exception {
		// Documents the recipe in the Javadoc of
		// runSync: each drained Runnable is the future.
		ExecutorService pool = Executors.newFixedThreadPool(1);
		this.executors.add(pool);
		AsyncUtils asyncUtils = AsyncUtils.create(pool);
		CountDownLatch started = new CountDownLatch(1);
		CompletableFuture<Object> running = asyncUtils.runSync(() -> {
			started.countDown();
			return new CountDownLatch(1).await(60, TimeUnit.SECONDS);
		});
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		List<CompletableFuture<Integer>> queued = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			int value = i;
			queued.add(asyncUtils.runSync(() -> value));
		}
		List<Runnable> drained = pool.shutdownNow();
		assertThat(drained).hasSize(100);
		for (Runnable runnable : drained) {
			if (runnable instanceof Future<?> future) {
				future.cancel(false);
			}
		}
		assertThat(queued).allSatisfy((future) -> assertThat(future).isCancelled());
		assertThat(asyncUtils.gather(queued)).failsWithin(WAIT).withThrowableOfType(CancellationException.class);
		assertThat(running).failsWithin(WAIT)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(InterruptedException.class);
	}

	@Test
	void nullTaskIsRejectedWithAMessageNamingIt() {
		AsyncUtils asyncUtils = AsyncUtils.create(Runnable::run);
		assertThatNullPointerException().isThrownBy(() -> asyncUtils.runSync((java.util.concurrent.Callable<?>) null))
			.withMessage("task must not be null");
		assertThatNullPointerException().isThrownBy(() -> asyncUtils.runSync((Runnable) null))
			.withMessage("task must not be null");
	}

	@Test
	void builderWithoutExecutorFailsNamingIt() {
		assertThatNullPointerException().isThrownBy(() -> AsyncUtils.builder().build())
			.withMessage("executor must not be null");
	}

	@Test
	void manyThreadsSubmittingAndCancellingNeverLoseOrMisrouteWork() throws Exception {
		ThreadPoolExecutor pool = pool(4, 100_000);
		AsyncUtils asyncUtils = AsyncUtils.create(pool);
		int threads = 8;
		int perThread = 2_000;
		AtomicInteger startedInterrupted = new AtomicInteger();
		List<List<CompletableFuture<Integer>>> futures = new ArrayList<>();
		List<List<Boolean>> cancelled = new ArrayList<>();
		CountDownLatch go = new CountDownLatch(1);
		List<Thread> submitters = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			List<CompletableFuture<Integer>> mine = new ArrayList<>();
			List<Boolean> myCancels = new ArrayList<>();
			futures.add(mine);
			cancelled.add(myCancels);
			Thread submitter = new Thread(() -> {
				try {
					go.await();
				}
				catch (InterruptedException ex) {
					return;
				}
				for (int i = 0; i < perThread; i++) {
					int value = i;
					AtomicBoolean cancelRequested = new AtomicBoolean();
					CompletableFuture<Integer> future = asyncUtils.runSync(() -> {
						if (Thread.currentThread().isInterrupted() && !cancelRequested.get()) {
							startedInterrupted.incrementAndGet();
						}
						return value;
					});
					boolean cancel = ThreadLocalRandom.current().nextInt(4) == 0;
					if (cancel) {
						cancelRequested.set(true);
						cancel = future.cancel(true);
					}
					mine.add(future);
					myCancels.add(cancel);
				}
			});
			submitters.add(submitter);
			submitter.start();
		}
		go.countDown();
		for (Thread submitter : submitters) {
			submitter.join(60_000);
		}
		for (int t = 0; t < threads; t++) {
			for (int i = 0; i < perThread; i++) {
				CompletableFuture<Integer> future = futures.get(t).get(i);
				if (cancelled.get(t).get(i)) {
					assertThat(future).isCancelled();
				}
				else {
					assertThat(future).succeedsWithin(WAIT).isEqualTo(i);
				}
			}
		}
		assertThat(startedInterrupted).hasValue(0);
		await().atMost(WAIT).until(() -> pool.getActiveCount() == 0 && pool.getQueue().isEmpty());
	}

}
