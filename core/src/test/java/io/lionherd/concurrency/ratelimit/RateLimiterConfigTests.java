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

	@Test
	void ofMaxCallsIsOnePermitsLimit() {
		RateLimiterConfig config = RateLimiterConfig.of(3, PERIOD);
		assertThat(config.limits()).containsExactly(Limit.permits(3, PERIOD));
		assertThat(config).isEqualTo(RateLimiterConfig.of(Limit.permits(3, PERIOD)));
	}

	@Test
	void limitsKeepTheOrderGiven() {
		Limit calls = Limit.calls(500, Duration.ofMinutes(1));
		Limit tokens = Limit.permits(200_000, Duration.ofMinutes(1));
		Limit daily = Limit.calls(10_000, Duration.ofDays(1));
		RateLimiterConfig config = RateLimiterConfig.of(calls, tokens, daily);
		assertThat(config.limits()).containsExactly(calls, tokens, daily);
		assertThat(config.limits().get(0).countsCalls()).isTrue();
		assertThat(config.limits().get(1).countsCalls()).isFalse();
	}

	@Test
	void maxCallsAndPeriodAnswerTheFirstLimit() {
		RateLimiterConfig config = RateLimiterConfig.of(Limit.calls(500, Duration.ofMinutes(1)),
				Limit.permits(200_000, Duration.ofSeconds(10)));
		assertThat(config.maxCalls()).isEqualTo(500);
		assertThat(config.period()).isEqualTo(Duration.ofMinutes(1));
		assertThat(RateLimiterConfig.of(Limit.permits(Long.MAX_VALUE, PERIOD)).maxCalls()).isEqualTo(Integer.MAX_VALUE);
	}

	@Test
	void withTimeoutKeepsTheLimits() {
		RateLimiterConfig config = RateLimiterConfig.of(Limit.calls(5, PERIOD), Limit.permits(50, PERIOD))
			.withTimeout(Duration.ofSeconds(2));
		assertThat(config.limits()).containsExactly(Limit.calls(5, PERIOD), Limit.permits(50, PERIOD));
		assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(2));
	}

	@Test
	void limitsAreUnmodifiable() {
		RateLimiterConfig config = RateLimiterConfig.of(Limit.calls(5, PERIOD));
		assertThat(config.limits()).isUnmodifiable();
	}

	@Test
	void moreThanEightLimitsAreRejected() {
		Limit[] more = new Limit[8];
		for (int i = 0; i < more.length; i++) {
			more[i] = Limit.permits(10, Duration.ofSeconds(i + 1));
		}
		assertThatIllegalArgumentException().isThrownBy(() -> RateLimiterConfig.of(Limit.calls(1, PERIOD), more))
			.withMessage("A rate limiter takes at most 8 limits, but was given 9");
	}

	@Test
	void twoLimitsCountingTheSameOverOnePeriodAreRejectedNamingBoth() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RateLimiterConfig.of(Limit.permits(10, PERIOD), Limit.calls(5, PERIOD),
					Limit.permits(20, PERIOD)))
			.withMessage("limits[2].period duplicates limits[0]: both count permits per PT0.5S "
					+ "(10 permits per PT0.5S and 20 permits per PT0.5S); keep the tighter one");
	}

	@Test
	void nullLimitIsRejectedNamingItsIndex() {
		assertThatNullPointerException()
			.isThrownBy(() -> RateLimiterConfig.of(Limit.calls(5, PERIOD), Limit.permits(5, PERIOD), null))
			.withMessage("limits[2] must not be null");
	}

	@Test
	void limitMaxBelowOneIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> Limit.permits(0, PERIOD))
			.withMessage("max must be at least 1, but was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> Limit.calls(-5, PERIOD))
			.withMessage("max must be at least 1, but was -5");
	}

	@Test
	void limitPeriodMustBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> Limit.calls(1, Duration.ZERO))
			.withMessage("period must be positive, but was PT0S");
		assertThatNullPointerException().isThrownBy(() -> Limit.permits(1, null))
			.withMessage("period must not be null");
	}

	@Test
	void checkPermitsNamesTheLimitThatCouldNeverGrantThem() {
		RateLimiterConfig config = RateLimiterConfig.of(Limit.calls(5, PERIOD), Limit.permits(50, PERIOD),
				Limit.permits(40, Duration.ofMinutes(1)));
		assertThat(config.checkPermits(40)).isEqualTo(40);
		assertThatIllegalArgumentException().isThrownBy(() -> config.checkPermits(45))
			.withMessage("permits must be at most limits[2].max (40 permits per PT1M): "
					+ "a request for 45 could never be granted");
	}

	@Test
	void checkPermitsAcceptsAnyNumberForCallsLimitsOnly() {
		assertThat(RateLimiterConfig.of(Limit.calls(1, PERIOD)).checkPermits(1_000_000)).isEqualTo(1_000_000);
	}

}
