package io.lionherd.concurrency.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.AsyncCallable;
import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.RetryPolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * lionherd's patterns against what a Java user writes by hand, each pair in the same run
 * (goal: ratio at most 1.2):
 * <ul>
 * <li>{@code race} of 2 completed futures vs {@code anyOf} + cancelling the rest;</li>
 * <li>{@code boundedMap} of 1 000 items, limit 8, each a {@code runSync} task, vs a
 * {@code Semaphore}-gated {@code supplyAsync} on the same 2-thread pool;</li>
 * <li>{@code retry} succeeding at the first attempt vs calling the same
 * {@code AsyncCallable} directly;</li>
 * <li>{@code failAfter} on a stage that completes in time vs {@code orTimeout} (which
 * cancels nothing), with the stage already complete and completed right after.</li>
 * </ul>
 * {@link #clockRead()} (no goal) is the floor of the {@code failAfter} rows: one
 * {@code System.nanoTime()}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PatternsBenchmark {

	static final int ITEMS = 1_000;

	static final int LIMIT = 8;

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private ThreadPoolExecutor pool;

	private AsyncUtils asyncUtils;

	private CompletableFuture<String> first;

	private CompletableFuture<String> second;

	private List<Integer> items;

	private AsyncCallable<String> callable;

	private final RetryPolicy policy = RetryPolicy.defaults();

	@Setup
	public void setUp() throws Exception {
		this.pool = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
		this.asyncUtils = AsyncUtils.builder().executor(this.pool).build();
		this.first = CompletableFuture.completedFuture("first");
		this.second = CompletableFuture.completedFuture("second");
		this.items = new ArrayList<>(ITEMS);
		for (int i = 0; i < ITEMS; i++) {
			this.items.add(i);
		}
		CompletableFuture<String> value = CompletableFuture.completedFuture("value");
		this.callable = () -> value;
		check(oursRace().equals(alternativeRace()), "race");
		check(oursBoundedMap().equals(alternativeBoundedMap()), "boundedMap");
		check(oursRetry().equals(alternativeRetry()), "retry");
		check(oursFailAfterCompleted().equals(alternativeOrTimeoutCompleted()), "failAfter");
		check(oursFailAfterPending().equals(alternativeOrTimeoutPending()), "failAfter pending");
	}

	@TearDown
	public void tearDown() {
		this.pool.shutdownNow();
	}

	@Benchmark
	public Object oursRace() {
		return this.asyncUtils.race(this.first, this.second).join();
	}

	@Benchmark
	public Object alternativeRace() {
		Object winner = CompletableFuture.anyOf(this.first, this.second).join();
		this.first.cancel(true);
		this.second.cancel(true);
		return winner;
	}

	@Benchmark
	public List<Integer> oursBoundedMap() {
		return this.asyncUtils.boundedMap(this.items, LIMIT, (x) -> this.asyncUtils.runSync(() -> x * 2)).join();
	}

	@Benchmark
	public List<Integer> alternativeBoundedMap() throws InterruptedException {
		Semaphore slots = new Semaphore(LIMIT);
		List<CompletableFuture<Integer>> futures = new ArrayList<>(ITEMS);
		for (Integer x : this.items) {
			slots.acquire();
			CompletableFuture<Integer> future = CompletableFuture.supplyAsync(() -> x * 2, this.pool);
			future.whenComplete((value, error) -> slots.release());
			futures.add(future);
		}
		return GatherBenchmark.allOf(futures).join();
	}

	@Benchmark
	public String oursRetry() {
		return this.asyncUtils.retry(this.callable, this.policy).join();
	}

	@Benchmark
	public String alternativeRetry() throws Exception {
		return this.callable.call().toCompletableFuture().join();
	}

	@Benchmark
	public String oursFailAfterCompleted() {
		return this.asyncUtils.failAfter(TIMEOUT, this.callable).join();
	}

	@Benchmark
	public String alternativeOrTimeoutCompleted() throws Exception {
		return this.callable.call().toCompletableFuture().orTimeout(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS).join();
	}

	@Benchmark
	public String oursFailAfterPending() {
		CompletableFuture<String> stage = new CompletableFuture<>();
		CompletableFuture<String> result = this.asyncUtils.failAfter(TIMEOUT, () -> stage);
		stage.complete("value");
		return result.join();
	}

	@Benchmark
	public String alternativeOrTimeoutPending() {
		CompletableFuture<String> stage = new CompletableFuture<>();
		CompletableFuture<String> result = stage.orTimeout(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
		stage.complete("value");
		return result.join();
	}

	/**
	 * One read of the system clock, no goal: the least a deadline scope costs, since it
	 * must read the clock before its body runs (the body may start work that must not run
	 * past the deadline) while {@code orTimeout} on a completed future reads nothing.
	 */
	@Benchmark
	public long clockRead() {
		return System.nanoTime();
	}

	private static void check(boolean ok, String what) {
		if (!ok) {
			throw new IllegalStateException("ours and the alternative disagree: " + what);
		}
	}

}
