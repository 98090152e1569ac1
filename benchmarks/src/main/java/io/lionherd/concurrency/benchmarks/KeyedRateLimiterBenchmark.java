package io.lionherd.concurrency.benchmarks;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
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
 * A keyed limiter's {@code registry.get(name, key).tryAcquire()} over 10 000 hot keys,
 * taken round-robin from pre-made key strings, against the named limiter's
 * {@code tryAcquire()} with the same limit: the cost of the key table (a lookup of the
 * name's table, one of the key, the pin around the decision, and each key's state out of
 * the cache) on top of the decision itself. Goal: at most 1.5 times the named limiter's.
 * Beside it, the hand-rolled alternative of the same footprint: a
 * {@code ConcurrentHashMap} of 10 000 in-memory limiters, one per key, that never forgets
 * a key (and so grows without bound).
 * <p>
 * Every limiter allows {@value #PERMITS} permits per {@value #PERIOD_MILLIS} ms, so none
 * is ever exhausted (a teardown fails the benchmark on any refusal) and the benchmark
 * measures the bookkeeping only; keys are warmed up (their states created) in the setup.
 * The period is longer than RateLimiterBenchmark's 1 ms because the key table sweeps
 * every key once per period: every millisecond, 10 000 keys would keep a second core busy
 * with sweeping, which no real period (seconds and more) does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeyedRateLimiterBenchmark {

	static final int PERMITS = 1_000_000;

	static final long PERIOD_MILLIS = 10;

	/** One registry, its named limiter and the keys; counts refusals. */
	@State(Scope.Benchmark)
	public static class Limiters {

		final LongAdder refusals = new LongAdder();

		final int keyCount = 10_000;

		final Map<String, RateLimiter> handRolled = new ConcurrentHashMap<>();

		RateLimiterConfig config;

		RateLimiterRegistry registry;

		RateLimiter named;

		String[] keys;

		@Setup
		public void setUp() {
			this.registry = new RateLimiterRegistry();
			RateLimiterConfig config = RateLimiterConfig.of(PERMITS, Duration.ofMillis(PERIOD_MILLIS))
				.withMaxKeys(this.keyCount);
			this.config = config;
			this.named = this.registry.rateLimiter("named", config);
			this.registry.rateLimiter("per-client", config);
			this.keys = new String[this.keyCount];
			for (int i = 0; i < this.keyCount; i++) {
				this.keys[i] = "client-" + i;
				this.registry.get("per-client", this.keys[i]).tryAcquire();
				handRolled(this.keys[i]).tryAcquire();
			}
		}

		RateLimiter handRolled(String key) {
			return this.handRolled.computeIfAbsent(key, (k) -> RateLimiter.slidingWindow(k, this.config));
		}

		@TearDown
		public void failOnRefusal() {
			long refused = this.refusals.sum();
			if (refused > 0) {
				throw new IllegalStateException("refused " + refused
						+ " permits: a limit was reached, so this measured refusals, not grants; raise PERMITS");
			}
		}

	}

	/** Where one thread is in the round of keys. */
	@State(Scope.Thread)
	public static class Cursor {

		int next;

	}

	private static boolean count(Limiters limiters, boolean granted) {
		if (!granted) {
			limiters.refusals.increment();
		}
		return granted;
	}

	@Benchmark
	@Threads(1)
	public boolean keyed1Thread(Limiters limiters, Cursor cursor) {
		String key = limiters.keys[cursor.next];
		cursor.next = (cursor.next + 1 == limiters.keys.length) ? 0 : cursor.next + 1;
		return count(limiters, limiters.registry.get("per-client", key).tryAcquire());
	}

	@Benchmark
	@Threads(1)
	public boolean named1Thread(Limiters limiters, Cursor cursor) {
		// The same round-robin step, so both sides pay for it.
		cursor.next = (cursor.next + 1 == limiters.keys.length) ? 0 : cursor.next + 1;
		return count(limiters, limiters.named.tryAcquire());
	}

	@Benchmark
	@Threads(1)
	public boolean handRolledMap1Thread(Limiters limiters, Cursor cursor) {
		String key = limiters.keys[cursor.next];
		cursor.next = (cursor.next + 1 == limiters.keys.length) ? 0 : cursor.next + 1;
		return count(limiters, limiters.handRolled(key).tryAcquire());
	}

}
