package io.lionherd.concurrency.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.AsyncCallable;
import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.MonitorResult;
import io.lionherd.concurrency.micrometer.MicrometerMonitorRecorder;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The performance monitor's overhead on an async call whose stage is already complete:
 * {@code monitorAsync(name, task)} recording into a {@link SimpleMeterRegistry}, against
 * a raw {@code Timer.record} around the same call. Goal: ratio at most 1.3.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MonitorBenchmark {

	private SimpleMeterRegistry registry;

	private AsyncUtils asyncUtils;

	private Timer timer;

	private AsyncCallable<Integer> task;

	@Setup
	public void setUp() throws Exception {
		this.registry = new SimpleMeterRegistry();
		this.asyncUtils = AsyncUtils.builder()
			.executor(Runnable::run)
			.monitorRecorder(new MicrometerMonitorRecorder(this.registry))
			.build();
		this.timer = Timer.builder("raw.monitor").tag("name", "bench").register(this.registry);
		CompletableFuture<Integer> done = CompletableFuture.completedFuture(42);
		this.task = () -> done;
		ours();
		alternative();
		Timer recorded = this.registry.find("lionherd.monitor").tag("name", "bench").timer();
		if (recorded == null || recorded.count() != 1 || this.timer.count() != 1) {
			throw new IllegalStateException("both sides must record once: lionherd.monitor "
					+ (recorded == null ? "missing" : recorded.count()) + ", raw " + this.timer.count());
		}
	}

	@Benchmark
	public CompletableFuture<MonitorResult<Integer>> ours() {
		return this.asyncUtils.monitorAsync("bench", this.task);
	}

	@Benchmark
	public CompletionStage<Integer> alternative() throws Exception {
		long start = System.nanoTime();
		CompletionStage<Integer> stage = this.task.call();
		this.timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
		return stage;
	}

}
