package io.lionherd.concurrency.benchmarks;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.lionherd.concurrency.AsyncUtils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A round trip through the executor: {@code runSync(callable).join()} against
 * {@code CompletableFuture.supplyAsync(supplier, executor).join()} on the same fixed
 * two-thread {@link ThreadPoolExecutor}. Goal: ratio at most 1.15.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RunSyncBenchmark {

	private ThreadPoolExecutor executor;

	private AsyncUtils asyncUtils;

	private AsyncUtils asyncUtilsNoContext;

	private final Callable<Integer> callable = () -> 42;

	private final Supplier<Integer> supplier = () -> 42;

	@Setup
	public void setUp() {
		this.executor = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
		this.executor.prestartAllCoreThreads();
		// As the starter builds it by default: the caller's MDC goes with the task.
		this.asyncUtils = AsyncUtils.create(this.executor);
		this.asyncUtilsNoContext = AsyncUtils.builder().executor(this.executor).propagateContext(false).build();
	}

	@TearDown
	public void tearDown() throws InterruptedException {
		this.executor.shutdownNow();
		this.executor.awaitTermination(10, TimeUnit.SECONDS);
	}

	@Benchmark
	public Integer ours() {
		return this.asyncUtils.runSync(this.callable).join();
	}

	@Benchmark
	public Integer alternative() {
		return CompletableFuture.supplyAsync(this.supplier, this.executor).join();
	}

	/** Supplementary: {@code runSync} with context propagation switched off. */
	@Benchmark
	public Integer oursNoContext() {
		return this.asyncUtilsNoContext.runSync(this.callable).join();
	}

}
