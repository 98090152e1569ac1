package io.lionherd.concurrency.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.AsyncUtils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Cancelling a gather whose {@code runSync} inputs all wait in a
 * {@code ThreadPoolExecutor}'s queue (its one worker is held busy), the inputs listed in
 * reverse queue order: what a fan-out that ends early does to the work it queued. Each
 * shot queues the tasks afresh.
 * <p>
 * {@code cancelGather} is ours: every task leaves the queue in one pass over it, so the
 * cost is linear (40 000 inputs about 4 times 10 000). {@code removeEach} is the previous
 * approach, one {@code ThreadPoolExecutor.remove} per task before the gather is
 * cancelled: each searches the queue from its head, so in reverse order the cost is
 * quadratic (about 16 times).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CancelQueuedBenchmark {

	/** A pool with one busy worker and {@link #count()} tasks queued behind it. */
	public abstract static class QueuedTasks {

		ThreadPoolExecutor pool;

		CountDownLatch release;

		List<CompletableFuture<Integer>> inputs;

		CompletableFuture<List<Integer>> gather;

		abstract int count();

		@Setup(Level.Iteration)
		public void queue() {
			this.pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
			AsyncUtils asyncUtils = AsyncUtils.create(this.pool);
			this.release = new CountDownLatch(1);
			CountDownLatch release = this.release;
			asyncUtils.runSync(() -> release.await(1, TimeUnit.MINUTES));
			List<CompletableFuture<Integer>> inputs = new ArrayList<>(count());
			for (int i = 0; i < count(); i++) {
				int value = i;
				inputs.add(asyncUtils.runSync(() -> value));
			}
			Collections.reverse(inputs);
			this.inputs = inputs;
			this.gather = asyncUtils.gather(inputs);
			if (this.pool.getQueue().size() != count()) {
				throw new IllegalStateException(
						"Expected " + count() + " queued tasks, but the queue holds " + this.pool.getQueue().size());
			}
			// A shot is short: it should not pay for collecting the queueing's garbage.
			System.gc();
		}

		@TearDown(Level.Iteration)
		public void release() {
			if (!this.pool.getQueue().isEmpty() || !this.gather.isCancelled()) {
				throw new IllegalStateException("The gather did not take every queued task out: "
						+ this.pool.getQueue().size() + " left, gather " + this.gather);
			}
			this.release.countDown();
			this.pool.shutdownNow();
		}

		/**
		 * The previous approach: one linear {@code ThreadPoolExecutor.remove} per task.
		 */
		void removeEachThenCancel() {
			for (CompletableFuture<Integer> input : this.inputs) {
				this.pool.remove((Runnable) input);
			}
			this.gather.cancel(true);
		}

	}

	@State(Scope.Benchmark)
	public static class Queued10k extends QueuedTasks {

		@Override
		int count() {
			return 10_000;
		}

	}

	@State(Scope.Benchmark)
	public static class Queued40k extends QueuedTasks {

		@Override
		int count() {
			return 40_000;
		}

	}

	@Benchmark
	public boolean cancelGather10k(Queued10k state) {
		return state.gather.cancel(true);
	}

	@Benchmark
	public boolean cancelGather40k(Queued40k state) {
		return state.gather.cancel(true);
	}

	@Benchmark
	public void removeEach10k(Queued10k state) {
		state.removeEachThenCancel();
	}

	@Benchmark
	public void removeEach40k(Queued40k state) {
		state.removeEachThenCancel();
	}

}
