package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Requests for several permits on the one-limit {@link SlidingWindowRateLimiter}: each
 * takes as many ring positions at one instant.
 */
class SlidingWindowRateLimiterWeightTests {

	private static final Duration PERIOD = Duration.ofMillis(500);

	private final ManualTime time = new ManualTime(1_000_000_000L);

	private final List<String> completions = new ArrayList<>();

	@Test
	void tryAcquireCountsThePermitsAskedFor() {
		SlidingWindowRateLimiter limiter = limiter(10);
		assertThat(limiter.tryAcquire(6)).isTrue();
		assertThat(limiter.tryAcquire(5)).isFalse();
		assertThat(limiter.tryAcquire(4)).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		this.time.advance(PERIOD);
		assertThat(limiter.tryAcquire(10)).isTrue();
	}

	@Test
	void weightedGrantsAndSingleOnesShareTheWindow() {
		SlidingWindowRateLimiter limiter = limiter(100);
		for (int i = 0; i < 20; i++) {
			assertThat(limiter.tryAcquire()).isTrue();
		}
		// Beyond the ring's first 16 slots: it grows under the weighted grant.
		assertThat(limiter.tryAcquire(40)).isTrue();
		assertThat(limiter.availablePermits()).isEqualTo(40);
		assertThat(limiter.tryAcquire(41)).isFalse();
		assertThat(limiter.tryAcquire(40)).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		this.time.advance(PERIOD);
		assertThat(limiter.availablePermits()).isEqualTo(100);
		assertThat(limiter.tryAcquire(100)).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
	}

	@Test
	void weightedWaiterIsGrantedWhenEnoughOfTheOldestGrantsHaveLeft() {
		SlidingWindowRateLimiter limiter = limiter(4);
		for (int i = 0; i < 4; i++) {
			assertThat(limiter.tryAcquire()).isTrue();
			this.time.advance(Duration.ofMillis(100));
		}
		// Grants at 0, 100, 200 and 300 ms: three free once the one at 200 ms has left.
		CompletableFuture<Void> three = record(limiter.acquire(3), "3");
		this.time.advance(Duration.ofMillis(299));
		assertThat(three).isNotDone();
		this.time.advance(Duration.ofMillis(1));
		assertThat(three).isCompleted();
		assertThat(this.completions).containsExactly("3@700");
		assertThat(limiter.tryAcquire()).isFalse();
	}

	@Test
	void largeRequestAtTheHeadHoldsBackSmallerOnesBehindIt() {
		SlidingWindowRateLimiter limiter = limiter(10);
		assertThat(limiter.tryAcquire(5)).isTrue();
		CompletableFuture<Void> large = record(limiter.acquire(8), "8");
		CompletableFuture<Void> small = record(limiter.acquire(), "1");
		assertThat(small).isNotDone();
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(limiter.tryAcquire(2)).isFalse();
		this.time.advance(PERIOD);
		assertThat(large).isCompleted();
		assertThat(small).isCompleted();
		assertThat(this.completions).containsExactly("8@500", "1@500");
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
	}

	@Test
	void availablePermitsIsTheRoomOfTheLimitInPermits() {
		SlidingWindowRateLimiter limiter = limiter(10);
		assertThat(limiter.availablePermits()).isEqualTo(10);
		assertThat(limiter.tryAcquire(4)).isTrue();
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.availablePermits()).isEqualTo(5);
		CompletableFuture<Void> waiter = limiter.acquire(8);
		// Five are free, but none for anyone else while the 8 waits.
		assertThat(limiter.availablePermits()).isZero();
		this.time.advance(PERIOD);
		assertThat(waiter).isCompleted();
		assertThat(limiter.availablePermits()).isEqualTo(2);
	}

	@Test
	void cancelledWeightedWaiterChargesNothing() {
		SlidingWindowRateLimiter limiter = limiter(10);
		assertThat(limiter.tryAcquire(10)).isTrue();
		CompletableFuture<Void> waiter = limiter.acquire(10);
		assertThat(waiter.cancel(false)).isTrue();
		this.time.advance(PERIOD);
		assertThat(limiter.tryAcquire(10)).isTrue();
	}

	@Test
	void weightedAcquireWithZeroTimeoutGrantsOnlyWhatIsFreeNow() {
		SlidingWindowRateLimiter limiter = limiter(3);
		assertThat(limiter.acquire(3, Duration.ZERO)).isCompleted();
		assertThat(limiter.acquire(2, Duration.ZERO)).isCompletedExceptionally();
		assertThat(limiter.waitingCount()).isZero();
	}

	@Test
	void permitsAboveMaxCallsAreRejectedNamingTheLimit() {
		SlidingWindowRateLimiter limiter = limiter(10);
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.tryAcquire(11))
			.withMessage("permits must be at most limits[0].max (10 permits per PT0.5S): "
					+ "a request for 11 could never be granted");
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.acquire(0))
			.withMessage("permits must be at least 1, but was 0");
		assertThat(limiter.tryAcquire(10)).isTrue();
	}

	private CompletableFuture<Void> record(CompletableFuture<Void> future, String label) {
		future.thenRun(() -> this.completions.add(label + "@" + (this.time.read() - 1_000_000_000L) / 1_000_000));
		return future;
	}

	private SlidingWindowRateLimiter limiter(int maxCalls) {
		return new SlidingWindowRateLimiter("", RateLimiterConfig.of(maxCalls, PERIOD), this.time, this.time,
				ManualTime.DIRECT, RateLimiterListener.none());
	}

}
