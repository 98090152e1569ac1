package io.lionherd.concurrency.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.AsyncUtils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@code gather} against {@code CompletableFuture.allOf(...)} followed by collecting
 * every {@code join()} into a list, both starting from the same {@code List} of futures
 * and both giving a future of the result list. Two shapes: 10 000 futures already
 * completed, and 1 000 pending futures completed right after the gather is set up. Goal:
 * ratio at most 1.2.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GatherBenchmark {

	static final int COMPLETED = 10_000;

	static final int PENDING = 1_000;

	private AsyncUtils asyncUtils;

	private List<CompletableFuture<Integer>> completed;

	@Setup
	public void setUp() {
		this.asyncUtils = AsyncUtils.builder().executor(Runnable::run).build();
		this.completed = new ArrayList<>(COMPLETED);
		for (int i = 0; i < COMPLETED; i++) {
			this.completed.add(CompletableFuture.completedFuture(i));
		}
		check(oursCompleted10k(), COMPLETED);
		check(alternativeCompleted10k(), COMPLETED);
		check(oursPending1k(), PENDING);
		check(alternativePending1k(), PENDING);
	}

	@Benchmark
	public List<Integer> oursCompleted10k() {
		return this.asyncUtils.gather(this.completed).join();
	}

	@Benchmark
	public List<Integer> alternativeCompleted10k() {
		return allOf(this.completed).join();
	}

	@Benchmark
	public List<Integer> oursPending1k() {
		List<CompletableFuture<Integer>> pending = pending();
		CompletableFuture<List<Integer>> all = this.asyncUtils.gather(pending);
		completeAll(pending);
		return all.join();
	}

	@Benchmark
	public List<Integer> alternativePending1k() {
		List<CompletableFuture<Integer>> pending = pending();
		CompletableFuture<List<Integer>> all = allOf(pending);
		completeAll(pending);
		return all.join();
	}

	/** The usual hand-written gather. */
	static <T> CompletableFuture<List<T>> allOf(List<CompletableFuture<T>> futures) {
		@SuppressWarnings("unchecked")
		CompletableFuture<T>[] array = futures.toArray(new CompletableFuture[0]);
		return CompletableFuture.allOf(array).thenApply((ignored) -> {
			List<T> results = new ArrayList<>(array.length);
			for (CompletableFuture<T> future : array) {
				results.add(future.join());
			}
			return results;
		});
	}

	private static List<CompletableFuture<Integer>> pending() {
		List<CompletableFuture<Integer>> pending = new ArrayList<>(PENDING);
		for (int i = 0; i < PENDING; i++) {
			pending.add(new CompletableFuture<>());
		}
		return pending;
	}

	private static void completeAll(List<CompletableFuture<Integer>> pending) {
		for (int i = 0; i < pending.size(); i++) {
			pending.get(i).complete(i);
		}
	}

	private static void check(List<Integer> results, int size) {
		if (results.size() != size || results.get(size - 1) != size - 1) {
			throw new IllegalStateException("wrong gather result: size " + results.size());
		}
	}

}
