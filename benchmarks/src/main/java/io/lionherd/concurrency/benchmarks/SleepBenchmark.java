package io.lionherd.concurrency.benchmarks;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
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
 * The cost of scheduling a sleep and cancelling it: {@code sleep(d)} then {@code cancel},
 * against the JDK's cancellable delayed future,
 * {@code new CompletableFuture<>().completeOnTimeout(null, d)} then {@code cancel} (both
 * timers remove a cancelled entry from their queue at once, so the queues stay small).
 * {@code supplyAsync(..., delayedExecutor(d))} is not used here: cancelling that future
 * leaves its timer entry queued until the delay passes, so millions of entries would pile
 * up during a measurement. The 100 000 concurrent sleeps comparison, where it is the
 * alternative, is {@link SleepScaleHarness}, run by {@link BenchmarkRunner} in fresh
 * JVMs. Goal: no worse (ratio at most 1.10, a 10% noise margin).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SleepBenchmark {

	private static final Duration DELAY = Duration.ofSeconds(10);

	private static final long DELAY_NANOS = DELAY.toNanos();

	private AsyncUtils asyncUtils;

	@Setup
	public void setUp() {
		this.asyncUtils = AsyncUtils.create(ForkJoinPool.commonPool());
	}

	@Benchmark
	public boolean ours() {
		return this.asyncUtils.sleep(DELAY).cancel(false);
	}

	@Benchmark
	public boolean alternative() {
		return new CompletableFuture<Void>().completeOnTimeout(null, DELAY_NANOS, TimeUnit.NANOSECONDS).cancel(false);
	}

}
