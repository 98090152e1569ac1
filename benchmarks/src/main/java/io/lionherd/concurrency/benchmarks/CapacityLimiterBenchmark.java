package io.lionherd.concurrency.benchmarks;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.internal.SemaphoreBulkhead;
import io.lionherd.concurrency.CapacityLimiter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * One permit taken and given back, uncontended (never waiting: {@value #PERMITS} permits,
 * far more than the threads can hold), from one thread and from two threads sharing the
 * limiter: {@code CapacityLimiter.tryAcquire()} + {@code close()} and
 * {@code acquire().join()} + {@code close()} against
 * {@code java.util.concurrent.Semaphore} ({@code tryAcquire()} + {@code release()}) and
 * Resilience4j's {@code SemaphoreBulkhead} ({@code tryAcquirePermission()} +
 * {@code onComplete()}, no wait). Each side counts its refusals, and a teardown fails the
 * benchmark if there was any. Goal: ours at most 1.2 times each.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CapacityLimiterBenchmark {

	static final int PERMITS = 1_000;

	/** Shared by the threads of one benchmark; counts refusals. */
	public abstract static class LimitState {

		final LongAdder refusals = new LongAdder();

		abstract String name();

		@TearDown
		public void failOnRefusal() {
			long refused = this.refusals.sum();
			if (refused > 0) {
				throw new IllegalStateException(name() + " refused " + refused
						+ " permits: the limit was reached, so this measured refusals, not grants; raise PERMITS");
			}
		}

	}

	@State(Scope.Benchmark)
	public static class Ours extends LimitState {

		CapacityLimiter limiter;

		@Setup
		public void setUp() {
			this.limiter = CapacityLimiter.of(PERMITS);
		}

		@Override
		String name() {
			return "lionherd CapacityLimiter";
		}

	}

	@State(Scope.Benchmark)
	public static class Jdk extends LimitState {

		Semaphore semaphore;

		@Setup
		public void setUp() {
			this.semaphore = new Semaphore(PERMITS);
		}

		@Override
		String name() {
			return "java.util.concurrent.Semaphore";
		}

	}

	@State(Scope.Benchmark)
	public static class Resilience4j extends LimitState {

		SemaphoreBulkhead bulkhead;

		@Setup
		public void setUp() {
			this.bulkhead = new SemaphoreBulkhead("bench",
					BulkheadConfig.custom().maxConcurrentCalls(PERMITS).maxWaitDuration(Duration.ZERO).build());
		}

		@Override
		String name() {
			return "Resilience4j SemaphoreBulkhead";
		}

	}

	private static boolean tryAcquireAndClose(Ours state) {
		Optional<CapacityLimiter.Permit> permit = state.limiter.tryAcquire();
		if (permit.isEmpty()) {
			state.refusals.increment();
			return false;
		}
		permit.get().close();
		return true;
	}

	private static boolean acquireJoinAndClose(Ours state) {
		state.limiter.acquire().join().close();
		return true;
	}

	private static boolean semaphore(Jdk state) {
		if (!state.semaphore.tryAcquire()) {
			state.refusals.increment();
			return false;
		}
		state.semaphore.release();
		return true;
	}

	private static boolean bulkhead(Resilience4j state) {
		if (!state.bulkhead.tryAcquirePermission()) {
			state.refusals.increment();
			return false;
		}
		state.bulkhead.onComplete();
		return true;
	}

	@Benchmark
	@Threads(1)
	public boolean oursTryAcquire1Thread(Ours state) {
		return tryAcquireAndClose(state);
	}

	@Benchmark
	@Threads(1)
	public boolean oursAcquireJoin1Thread(Ours state) {
		return acquireJoinAndClose(state);
	}

	@Benchmark
	@Threads(1)
	public boolean semaphore1Thread(Jdk state) {
		return semaphore(state);
	}

	@Benchmark
	@Threads(1)
	public boolean bulkhead1Thread(Resilience4j state) {
		return bulkhead(state);
	}

	@Benchmark
	@Threads(2)
	public boolean oursTryAcquire2Threads(Ours state) {
		return tryAcquireAndClose(state);
	}

	@Benchmark
	@Threads(2)
	public boolean oursAcquireJoin2Threads(Ours state) {
		return acquireJoinAndClose(state);
	}

	@Benchmark
	@Threads(2)
	public boolean semaphore2Threads(Jdk state) {
		return semaphore(state);
	}

	@Benchmark
	@Threads(2)
	public boolean bulkhead2Threads(Resilience4j state) {
		return bulkhead(state);
	}

}
