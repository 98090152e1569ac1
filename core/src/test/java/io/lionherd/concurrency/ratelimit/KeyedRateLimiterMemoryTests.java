package io.lionherd.concurrency.ratelimit;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;

import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A million distinct keys used once each: their states hold hundreds of megabytes while
 * inside the window, and one longest period later the sweep has forgotten every one and
 * the heap is back near where it started.
 */
class KeyedRateLimiterMemoryTests {

	private static final int KEYS = 1_000_000;

	private static final Duration PERIOD = Duration.ofSeconds(1);

	private static final long MB = 1024 * 1024;

	@Test
	void aMillionKeysUsedOnceAreAllForgottenAndTheHeapReturnsToItsBaseline() {
		ManualTime time = new ManualTime();
		RateLimiterRegistry registry = new RateLimiterRegistry(
				RateLimiterFactory.inMemory(time, time, ManualTime.DIRECT));
		registry.rateLimiter("per-client", RateLimiterConfig.of(10, PERIOD).withMaxKeys(2 * KEYS));
		long baseline = usedHeap();
		for (int i = 0; i < KEYS; i++) {
			assertThat(registry.get("per-client", "client-" + i).tryAcquire()).isTrue();
		}
		assertThat(registry.keyCount("per-client")).isEqualTo(KEYS);
		long full = usedHeap();
		System.out.printf("%d live keys: %d MB above baseline, %d bytes per key%n", KEYS, (full - baseline) / MB,
				(full - baseline) / KEYS);
		assertThat(full - baseline).as("heap held by the keys").isGreaterThan(100 * MB);
		time.advance(PERIOD);
		assertThat(registry.keyCount("per-client")).isZero();
		long after = usedHeap();
		assertThat(after - baseline).as("heap above the baseline once forgotten").isLessThan(20 * MB);
		assertThat(time.pendingCount()).isZero();
	}

	private static long usedHeap() {
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		System.gc();
		return memory.getHeapMemoryUsage().getUsed();
	}

}
