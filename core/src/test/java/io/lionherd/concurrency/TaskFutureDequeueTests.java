package io.lionherd.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that cancelling many queued {@code runSync} tasks at once (a gather, race or
 * bounded map ending early) takes them out of their {@link ThreadPoolExecutor}'s queue in
 * one search of the queue, not one search per task: each search is linear in the queue,
 * so one per task made cancelling N queued tasks O(N²). The pool's one worker is held
 * busy, so every task stays queued until the cancel.
 */
class TaskFutureDequeueTests {

	private static final int QUEUED = 2_000;

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final SearchCountingQueue queue = new SearchCountingQueue();

	private final ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, this.queue);

	private final AsyncUtils asyncUtils = AsyncUtils.create(this.pool);

	private final CountDownLatch release = new CountDownLatch(1);

	private final AtomicInteger ran = new AtomicInteger();

	@AfterEach
	void shutDown() {
		this.release.countDown();
		this.pool.shutdownNow();
	}

	@Test
	void cancellingAGatherOfQueuedTasksInReverseOrderSearchesTheQueueOnce() {
		CompletableFuture<Object> blocker = this.asyncUtils.runSync(() -> this.release.await(30, TimeUnit.SECONDS));
		List<CompletableFuture<Integer>> queued = queue(QUEUED);
		Collections.reverse(queued);
		CompletableFuture<List<Integer>> all = this.asyncUtils.gather(queued);
		assertThat(this.queue).hasSize(QUEUED);
		assertThat(all.cancel(true)).isTrue();
		assertThat(this.queue).as("tasks left in the queue").isEmpty();
		assertThat(this.queue.searches).as("searches of the queue").hasValue(1);
		assertThat(queued).allSatisfy((future) -> assertThat(future).isCancelled());
		this.release.countDown();
		assertThat(blocker).succeedsWithin(WAIT);
		assertThat(this.asyncUtils.runSync(() -> "after")).succeedsWithin(WAIT);
		assertThat(this.ran).as("cancelled tasks that ran").hasValue(0);
	}

	@Test
	void cancellingOneQueuedTaskTakesItOutOfTheQueue() {
		this.asyncUtils.runSync(() -> this.release.await(30, TimeUnit.SECONDS));
		List<CompletableFuture<Integer>> queued = queue(3);
		assertThat(queued.get(1).cancel(true)).isTrue();
		assertThat(this.queue).hasSize(2);
		assertThat(this.queue.searches).hasValue(1);
	}

	@Test
	void tasksOfAShutDownPoolLeaveItsQueueAndLetItTerminate() throws InterruptedException {
		this.asyncUtils.runSync(() -> this.release.await(30, TimeUnit.SECONDS));
		List<CompletableFuture<Integer>> queued = queue(10);
		CompletableFuture<List<Integer>> all = this.asyncUtils.gather(queued);
		this.pool.shutdown();
		all.cancel(true);
		assertThat(this.queue).isEmpty();
		this.release.countDown();
		assertThat(this.pool.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(this.ran).hasValue(0);
	}

	private List<CompletableFuture<Integer>> queue(int count) {
		List<CompletableFuture<Integer>> queued = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			int value = i;
			queued.add(this.asyncUtils.runSync(() -> {
				this.ran.incrementAndGet();
				return value;
			}));
		}
		return queued;
	}

	/**
	 * Counts the searches that may walk the whole queue: {@code remove(Object)} and
	 * {@code removeIf}.
	 */
	static final class SearchCountingQueue extends LinkedBlockingQueue<Runnable> {

		private static final long serialVersionUID = 1L;

		final AtomicInteger searches = new AtomicInteger();

		@Override
		public boolean remove(Object task) {
			this.searches.incrementAndGet();
			return super.remove(task);
		}

		@Override
		public boolean removeIf(Predicate<? super Runnable> filter) {
			this.searches.incrementAndGet();
			return super.removeIf(filter);
		}

	}

}
