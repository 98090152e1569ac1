package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keyed limiters under real contention: 8 threads race for the permits of the same 200
 * keys, whose states are forgotten and created again between bursts (each key is busy
 * half of the time), and no key ever has more than its {@code max} grants in any window.
 * The manual clock moves only between rounds, while the threads wait at a barrier, so
 * each grant's instant is the round's, exactly.
 */
class KeyedRateLimiterContentionTests {

	private static final int THREADS = 8;

	private static final int KEYS = 200;

	private static final int MAX = 3;

	private static final Duration PERIOD = Duration.ofSeconds(1);

	private static final Duration STEP = Duration.ofMillis(250);

	private static final int ROUNDS = 40;

	@Test
	void noKeyExceedsItsMaxInAnyWindowWhileThreadsRaceAndKeysAreForgotten() throws Exception {
		ManualTime time = new ManualTime();
		RateLimiterRegistry registry = new RateLimiterRegistry(
				RateLimiterFactory.inMemory(time, time, ManualTime.DIRECT));
		RateLimiterConfig single = RateLimiterConfig.of(MAX, PERIOD);
		RateLimiterConfig multi = RateLimiterConfig.of(Limit.calls(MAX, PERIOD), Limit.permits(1000, PERIOD));
		registry.rateLimiter("single", single);
		registry.rateLimiter("multi", multi);
		List<ConcurrentLinkedQueue<Long>> grants = new ArrayList<>();
		for (int i = 0; i < 2 * KEYS; i++) {
			grants.add(new ConcurrentLinkedQueue<>());
		}
		List<Integer> keyCounts = new ArrayList<>();
		CyclicBarrier start = new CyclicBarrier(THREADS + 1);
		CyclicBarrier end = new CyclicBarrier(THREADS + 1);
		ExecutorService threads = Executors.newFixedThreadPool(THREADS);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int t = 0; t < THREADS; t++) {
				workers.add(threads.submit(() -> {
					for (int round = 0; round < ROUNDS; round++) {
						start.await();
						long now = time.elapsed().toMillis();
						ThreadLocalRandom random = ThreadLocalRandom.current();
						for (int attempt = 0; attempt < KEYS; attempt++) {
							int key = random.nextInt(KEYS);
							if (!busy(key, round)) {
								continue;
							}
							String name = ((key & 1) == 0) ? "single" : "multi";
							int index = ((key & 1) == 0) ? key : KEYS + key;
							if (registry.get(name, "client-" + key).tryAcquire()) {
								grants.get(index).add(now);
							}
						}
						end.await();
					}
					return null;
				}));
			}
			for (int round = 0; round < ROUNDS; round++) {
				start.await(10, TimeUnit.SECONDS);
				end.await(10, TimeUnit.SECONDS);
				keyCounts.add(registry.keyCount("single") + registry.keyCount("multi"));
				// Sweeps (every period) run on this thread as the clock passes them.
				time.advance(STEP);
			}
			for (Future<?> worker : workers) {
				worker.get(10, TimeUnit.SECONDS);
			}
		}
		finally {
			threads.shutdownNow();
		}
		long total = 0;
		for (ConcurrentLinkedQueue<Long> key : grants) {
			KeyedRateLimiterTests.assertAtMostPerWindow(new ArrayList<>(key), MAX, PERIOD.toMillis());
			total += key.size();
		}
		// Keys were forgotten and created again during the run, and most attempts on a
		// busy key found room in some round.
		assertThat(keyCounts).anyMatch((count) -> count < KEYS / 2).anyMatch((count) -> count > KEYS / 2);
		assertThat(total).isGreaterThan((long) KEYS * MAX * 2);
	}

	/** Each key is busy for 8 rounds (2 s), then idle for 8, from its own offset. */
	private static boolean busy(int key, int round) {
		return ((round + key) / 8) % 2 == 0;
	}

}
