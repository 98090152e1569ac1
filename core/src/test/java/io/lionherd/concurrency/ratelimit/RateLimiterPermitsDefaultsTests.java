package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The {@code permits} methods of a {@link RateLimiter} backend that implements only the
 * one-permit ones: 1 permit of 1 limit goes to them, anything else is refused as
 * unsupported, after the same argument checks.
 */
class RateLimiterPermitsDefaultsTests {

	private static final Duration PERIOD = Duration.ofSeconds(1);

	@Test
	void onePermitGoesToTheOnePermitMethods() {
		OnePermitLimiter limiter = new OnePermitLimiter(RateLimiterConfig.of(5, PERIOD));
		assertThat(limiter.tryAcquire(1)).isTrue();
		assertThat(limiter.tryAcquireAsync(1)).isCompletedWithValue(true);
		assertThat(limiter.acquire(1)).isCompleted();
		assertThat(limiter.acquire(1, Duration.ZERO)).isCompleted();
		assertThat(limiter.calls).hasValue(4);
	}

	@Test
	void morePermitsAreUnsupported() {
		OnePermitLimiter limiter = new OnePermitLimiter(RateLimiterConfig.of(5, PERIOD));
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> limiter.tryAcquire(2))
			.withMessage("OnePermitLimiter takes 1 permit of 1 limit at a time, but was asked for 2 of "
					+ "[5 permits per PT1S]");
		assertThat(limiter.calls).hasValue(0);
	}

	@Test
	void severalLimitsAreUnsupported() {
		OnePermitLimiter limiter = new OnePermitLimiter(
				RateLimiterConfig.of(Limit.calls(5, PERIOD), Limit.permits(50, PERIOD)));
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> limiter.acquire(1));
	}

	@Test
	void permitsThatCouldNeverBeGrantedAreRejectedFirst() {
		OnePermitLimiter limiter = new OnePermitLimiter(RateLimiterConfig.of(5, PERIOD));
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.acquire(6, PERIOD))
			.withMessageContaining("limits[0]");
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.tryAcquireAsync(0))
			.withMessage("permits must be at least 1, but was 0");
	}

	private static final class OnePermitLimiter implements RateLimiter {

		private final RateLimiterConfig config;

		private final AtomicInteger calls = new AtomicInteger();

		OnePermitLimiter(RateLimiterConfig config) {
			this.config = config;
		}

		@Override
		public String name() {
			return "one";
		}

		@Override
		public RateLimiterConfig config() {
			return this.config;
		}

		@Override
		public CompletableFuture<Void> acquire() {
			this.calls.incrementAndGet();
			return CompletableFuture.completedFuture(null);
		}

		@Override
		public CompletableFuture<Void> acquire(Duration timeout) {
			return acquire();
		}

		@Override
		public boolean tryAcquire() {
			this.calls.incrementAndGet();
			return true;
		}

		@Override
		public int availablePermits() {
			return 1;
		}

		@Override
		public int waitingCount() {
			return 0;
		}

	}

}
