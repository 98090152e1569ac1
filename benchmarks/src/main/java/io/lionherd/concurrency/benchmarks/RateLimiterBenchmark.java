package io.lionherd.concurrency.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.RateLimiter;
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
 * The non-waiting permit check on a limiter that is never exhausted, from one thread and
 * from two threads sharing the limiter: {@code RateLimiter.tryAcquire()} against
 * Resilience4j's {@code AtomicRateLimiter.acquirePermission()} (timeout 0), Guava's
 * {@code RateLimiter.tryAcquire()} and Bucket4j's lock-free {@code bucket.tryConsume(1)}.
 * <p>
 * Every limiter allows {@value #PERMITS} permits per {@value #PERIOD_MILLIS} ms, i.e.
 * 10^9 per second: exhausting it would take one call per nanosecond, far beyond what two
 * threads can do, so all four always grant and the benchmark measures the bookkeeping
 * only. Each limiter counts its refusals, and a teardown fails the benchmark if there was
 * any. Goal: ours faster than each (ratio below 1.0).
 * <p>
 * Permits: {@code tryAcquire(1)} must cost what {@code tryAcquire()} does (the same
 * lock-free path), and a request for {@value #WEIGHT} permits against two limits (calls
 * and permits, the RPM+TPM case, {@code MultiWindowRateLimiter}) at most 1.5 times one
 * against the single permits-limit (the locked weighted path of the lock-free limiter).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RateLimiterBenchmark {

	static final int PERMITS = 1_000_000;

	static final long PERIOD_MILLIS = 1;

	static final Duration PERIOD = Duration.ofMillis(PERIOD_MILLIS);

	/** The permits of a weighted request. */
	static final int WEIGHT = 10;

	/** Shared by the threads of one benchmark; counts refusals. */
	public abstract static class LimiterState {

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
	public static class Ours extends LimiterState {

		RateLimiter limiter;

		@Setup
		public void setUp() {
			this.limiter = RateLimiter.slidingWindow(PERMITS, PERIOD);
		}

		@Override
		String name() {
			return "lionherd RateLimiter.slidingWindow";
		}

	}

	/**
	 * Two limits, as a provider states them: {@value #PERMITS} calls and ten times as
	 * many permits per period; requests for {@value #WEIGHT} take a tenth of each.
	 */
	@State(Scope.Benchmark)
	public static class OursTwoLimits extends LimiterState {

		RateLimiter limiter;

		@Setup
		public void setUp() {
			this.limiter = RateLimiter.slidingWindow("", io.lionherd.concurrency.ratelimit.RateLimiterConfig
				.of(Limit.calls(PERMITS, PERIOD), Limit.permits((long) PERMITS * WEIGHT, PERIOD)));
		}

		@Override
		String name() {
			return "lionherd RateLimiter.slidingWindow, a calls-limit and a permits-limit";
		}

	}

	@State(Scope.Benchmark)
	public static class Resilience4j extends LimiterState {

		AtomicRateLimiter limiter;

		@Setup
		public void setUp() {
			this.limiter = new AtomicRateLimiter("bench",
					RateLimiterConfig.custom()
						.limitForPeriod(PERMITS)
						.limitRefreshPeriod(PERIOD)
						.timeoutDuration(Duration.ZERO)
						.build());
		}

		@Override
		String name() {
			return "Resilience4j AtomicRateLimiter";
		}

	}

	@State(Scope.Benchmark)
	public static class Guava extends LimiterState {

		com.google.common.util.concurrent.RateLimiter limiter;

		@Setup
		public void setUp() {
			this.limiter = com.google.common.util.concurrent.RateLimiter.create(PERMITS * (1000.0 / PERIOD_MILLIS));
		}

		@Override
		String name() {
			return "Guava RateLimiter";
		}

	}

	@State(Scope.Benchmark)
	public static class Bucket4j extends LimiterState {

		Bucket bucket;

		@Setup
		public void setUp() {
			// Bucket4j's defaults: lock-free, millisecond clock.
			this.bucket = Bucket.builder()
				.addLimit((limit) -> limit.capacity(PERMITS).refillGreedy(PERMITS, PERIOD))
				.build();
		}

		@Override
		String name() {
			return "Bucket4j";
		}

	}

	private static boolean count(LimiterState state, boolean granted) {
		if (!granted) {
			state.refusals.increment();
		}
		return granted;
	}

	@Benchmark
	@Threads(1)
	public boolean ours1Thread(Ours state) {
		return count(state, state.limiter.tryAcquire());
	}

	@Benchmark
	@Threads(1)
	public boolean oursOnePermit1Thread(Ours state) {
		return count(state, state.limiter.tryAcquire(1));
	}

	@Benchmark
	@Threads(1)
	public boolean oursWeighted1Thread(Ours state) {
		return count(state, state.limiter.tryAcquire(WEIGHT));
	}

	@Benchmark
	@Threads(1)
	public boolean oursTwoLimitsWeighted1Thread(OursTwoLimits state) {
		return count(state, state.limiter.tryAcquire(WEIGHT));
	}

	@Benchmark
	@Threads(1)
	public boolean oursTwoLimitsOnePermit1Thread(OursTwoLimits state) {
		return count(state, state.limiter.tryAcquire(1));
	}

	@Benchmark
	@Threads(1)
	public boolean resilience4j1Thread(Resilience4j state) {
		return count(state, state.limiter.acquirePermission());
	}

	@Benchmark
	@Threads(1)
	public boolean guava1Thread(Guava state) {
		return count(state, state.limiter.tryAcquire());
	}

	@Benchmark
	@Threads(1)
	public boolean bucket4j1Thread(Bucket4j state) {
		return count(state, state.bucket.tryConsume(1));
	}

	@Benchmark
	@Threads(2)
	public boolean ours2Threads(Ours state) {
		return count(state, state.limiter.tryAcquire());
	}

	@Benchmark
	@Threads(2)
	public boolean resilience4j2Threads(Resilience4j state) {
		return count(state, state.limiter.acquirePermission());
	}

	@Benchmark
	@Threads(2)
	public boolean guava2Threads(Guava state) {
		return count(state, state.limiter.tryAcquire());
	}

	@Benchmark
	@Threads(2)
	public boolean bucket4j2Threads(Bucket4j state) {
		return count(state, state.bucket.tryConsume(1));
	}

}
