package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RateLimiter#status()} of the in-memory limiters: the tightest limit,
 * what is left of it, and when its oldest grant leaves the window.
 */
class LimitStatusTests {

	private static final Duration PERIOD = Duration.ofSeconds(1);

	private final ManualTime time = new ManualTime();

	private final RateLimiterFactory factory = RateLimiterFactory.inMemory(this.time, this.time, ManualTime.DIRECT);

	@Test
	void aFreshLimiterHasItsWholeQuotaAndNothingToReset() {
		RateLimiter limiter = this.factory.create("api", RateLimiterConfig.of(3, PERIOD), RateLimiterListener.none());
		assertThat(limiter.status()).isEqualTo(new LimitStatus(Limit.permits(3, PERIOD), 3, Duration.ZERO));
	}

	@Test
	void oneLimitResetsWhenItsOldestGrantInsideTheWindowLeavesIt() {
		RateLimiter limiter = this.factory.create("api", RateLimiterConfig.of(3, PERIOD), RateLimiterListener.none());
		limiter.tryAcquire();
		this.time.advance(Duration.ofMillis(300));
		limiter.tryAcquire();
		this.time.advance(Duration.ofMillis(200));
		assertThat(limiter.status()).isEqualTo(new LimitStatus(Limit.permits(3, PERIOD), 1, Duration.ofMillis(500)));
		this.time.advance(Duration.ofMillis(500));
		// The grant of 0 s has left the window; the oldest inside is that of 0.3 s.
		assertThat(limiter.status()).isEqualTo(new LimitStatus(Limit.permits(3, PERIOD), 2, Duration.ofMillis(300)));
		this.time.advance(Duration.ofMillis(300));
		assertThat(limiter.status()).isEqualTo(new LimitStatus(Limit.permits(3, PERIOD), 3, Duration.ZERO));
	}

	@Test
	void oneLimitCountsEveryGrantOfAGrownRing() {
		RateLimiter limiter = this.factory.create("api", RateLimiterConfig.of(100, PERIOD), RateLimiterListener.none());
		for (int i = 0; i < 40; i++) {
			limiter.tryAcquire();
			this.time.advance(Duration.ofMillis(10));
		}
		// Grants at 0, 10, ..., 390 ms; now 400 ms.
		assertThat(limiter.status()).isEqualTo(new LimitStatus(Limit.permits(100, PERIOD), 60, Duration.ofMillis(600)));
		this.time.advance(Duration.ofMillis(605));
		assertThat(limiter.status()).isEqualTo(new LimitStatus(Limit.permits(100, PERIOD), 61, Duration.ofMillis(5)));
	}

	@Test
	void nothingRemainsWhileAnyoneWaits() {
		RateLimiter limiter = this.factory.create("api", RateLimiterConfig.of(1, PERIOD), RateLimiterListener.none());
		limiter.tryAcquire();
		CompletableFuture<Void> waiter = limiter.acquire();
		assertThat(limiter.status()).isEqualTo(new LimitStatus(Limit.permits(1, PERIOD), 0, PERIOD));
		waiter.cancel(false);
	}

	@Test
	void severalLimitsReportTheOneWithTheSmallestShareLeft() {
		Limit calls = Limit.calls(2, PERIOD);
		Limit tokens = Limit.permits(100, Duration.ofMinutes(1));
		RateLimiter limiter = this.factory.create("llm", RateLimiterConfig.of(calls, tokens),
				RateLimiterListener.none());
		assertThat(limiter.status()).isEqualTo(new LimitStatus(calls, 2, Duration.ZERO));
		limiter.tryAcquire(30);
		// Calls: 1 of 2 left (0.5); tokens: 70 of 100 (0.7).
		assertThat(limiter.status()).isEqualTo(new LimitStatus(calls, 1, PERIOD));
		this.time.advance(PERIOD);
		// Calls back to 2 of 2; tokens still 0.7, their oldest grant leaving at 60 s.
		assertThat(limiter.status()).isEqualTo(new LimitStatus(tokens, 70, Duration.ofSeconds(59)));
		limiter.tryAcquire(70);
		this.time.advance(Duration.ofSeconds(9));
		assertThat(limiter.status()).isEqualTo(new LimitStatus(tokens, 0, Duration.ofSeconds(50)));
	}

	@Test
	void aTieReportsTheFirstLimit() {
		Limit calls = Limit.calls(2, PERIOD);
		Limit tokens = Limit.permits(10, Duration.ofMinutes(1));
		RateLimiter limiter = this.factory.create("llm", RateLimiterConfig.of(calls, tokens),
				RateLimiterListener.none());
		limiter.tryAcquire(5);
		assertThat(limiter.status()).isEqualTo(new LimitStatus(calls, 1, PERIOD));
	}

	@Test
	void aReservationCountsAsUsedAndNothingRemainsBehindIt() {
		Limit calls = Limit.calls(1, PERIOD);
		Limit tokens = Limit.permits(100, Duration.ofMinutes(1));
		RateLimiter limiter = this.factory.create("llm", RateLimiterConfig.of(calls, tokens),
				RateLimiterListener.none());
		limiter.tryAcquire(10);
		CompletableFuture<Void> waiter = limiter.acquire(10);
		assertThat(limiter.status()).isEqualTo(new LimitStatus(calls, 0, PERIOD));
		this.time.advance(PERIOD);
		assertThat(waiter).isCompleted();
		assertThat(limiter.status()).isEqualTo(new LimitStatus(calls, 0, PERIOD));
	}

	@Test
	void keyedLimitersReportTheirKeysStatus() {
		RateLimiterRegistry registry = new RateLimiterRegistry(this.factory);
		registry.rateLimiter("per-user", RateLimiterConfig.of(2, PERIOD));
		registry.get("per-user", "alice").tryAcquire();
		assertThat(registry.get("per-user", "alice").status())
			.isEqualTo(new LimitStatus(Limit.permits(2, PERIOD), 1, PERIOD));
		assertThat(registry.get("per-user", "bob").status())
			.isEqualTo(new LimitStatus(Limit.permits(2, PERIOD), 2, Duration.ZERO));
	}

}
