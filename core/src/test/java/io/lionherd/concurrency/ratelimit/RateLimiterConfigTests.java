package io.lionherd.concurrency.ratelimit;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link RateLimiterConfig}.
 */
class RateLimiterConfigTests {

	private static final Duration PERIOD = Duration.ofMillis(500);

	@Test
	void ofWaitsWithoutLimit() {
		assertThat(RateLimiterConfig.of(3, PERIOD).timeout()).isNull();
	}

	@Test
	void withTimeoutKeepsTheOtherValues() {
		assertThat(RateLimiterConfig.of(3, PERIOD).withTimeout(Duration.ofSeconds(2)))
			.isEqualTo(new RateLimiterConfig(3, PERIOD, Duration.ofSeconds(2)));
	}

	@Test
	void zeroTimeoutMeansDoNotWait() {
		assertThat(new RateLimiterConfig(3, PERIOD, Duration.ZERO).timeout()).isZero();
	}

	@Test
	void maxCallsBelowOneIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> RateLimiterConfig.of(0, PERIOD))
			.withMessage("maxCalls must be from 1 to 67108864 (2^26), but was 0");
	}

	@Test
	void maxCallsAboveTheRingIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> RateLimiterConfig.of(67_109_864, PERIOD))
			.withMessage("maxCalls must be from 1 to 67108864 (2^26), but was 67109864");
		assertThat(RateLimiterConfig.of(RateLimiterConfig.MAX_CALLS, PERIOD).maxCalls()).isEqualTo(1 << 26);
	}

	@Test
	void nonPositivePeriodIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> RateLimiterConfig.of(1, Duration.ZERO))
			.withMessage("period must be positive, but was PT0S");
		assertThatIllegalArgumentException().isThrownBy(() -> RateLimiterConfig.of(1, Duration.ofMillis(-1)))
			.withMessage("period must be positive, but was PT-0.001S");
	}

	@Test
	void nullPeriodIsRejected() {
		assertThatNullPointerException().isThrownBy(() -> RateLimiterConfig.of(1, null))
			.withMessage("period must not be null");
	}

	@Test
	void negativeTimeoutIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> new RateLimiterConfig(1, PERIOD, Duration.ofMillis(-1)))
			.withMessage("timeout must be zero or positive, or unset for no limit (null), but was PT-0.001S");
	}

}
