package io.lionherd.concurrency.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.AsyncCallable;
import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.Completed;
import io.lionherd.concurrency.CompletionStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@code completionStream} over 10 000 bodies whose stages are already complete, read to
 * the end with {@code next().join()}, against
 * {@link java.util.concurrent.ExecutorCompletionService} doing the same work: 10 000
 * tasks giving the same values, submitted to a caller-runs executor (so every one is
 * complete when submitted, as our stages are) and read to the end with
 * {@code take().get()}. Both sum the values they read. Ours runs with a limit of 16 (the
 * limit costs nothing here: each body completes before the next starts). Goal: ratio at
 * most 1.2.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CompletionStreamBenchmark {

	static final int BODIES = 10_000;

	static final int LIMIT = 16;

	private static final Executor CALLER_RUNS = Runnable::run;

	private AsyncUtils asyncUtils;

	private List<AsyncCallable<Integer>> bodies;

	private Integer[] values;

	@Setup
	public void setUp() throws Exception {
		this.asyncUtils = AsyncUtils.builder().executor(CALLER_RUNS).build();
		this.bodies = new ArrayList<>(BODIES);
		this.values = new Integer[BODIES];
		for (int i = 0; i < BODIES; i++) {
			CompletableFuture<Integer> done = CompletableFuture.completedFuture(i);
			this.bodies.add(() -> done);
			this.values[i] = i;
		}
		long expected = (long) BODIES * (BODIES - 1) / 2;
		if (ours() != expected || completionService() != expected) {
			throw new IllegalStateException("ours and the alternative disagree");
		}
	}

	@Benchmark
	public long ours() {
		long sum = 0;
		try (CompletionStream<Integer> stream = this.asyncUtils.completionStream(this.bodies, LIMIT)) {
			for (Optional<Completed<Integer>> next = stream.next().join(); next
				.isPresent(); next = stream.next().join()) {
				sum += next.get().value();
			}
		}
		return sum;
	}

	@Benchmark
	public long completionService() throws InterruptedException, ExecutionException {
		CompletionService<Integer> service = new ExecutorCompletionService<>(CALLER_RUNS);
		Integer[] values = this.values;
		for (int i = 0; i < BODIES; i++) {
			Integer value = values[i];
			service.submit(() -> value);
		}
		long sum = 0;
		for (int i = 0; i < BODIES; i++) {
			sum += service.take().get();
		}
		return sum;
	}

}
