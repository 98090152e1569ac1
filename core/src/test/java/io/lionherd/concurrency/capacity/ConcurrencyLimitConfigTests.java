package io.lionherd.concurrency.capacity;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ConcurrencyLimitConfig}: its defaults and the message of each bad
 * input.
 */
class ConcurrencyLimitConfigTests {

	@Test
	void ofHasNoTimeoutAndTheDefaultLease() {
		ConcurrencyLimitConfig config = ConcurrencyLimitConfig.of(4);
		assertThat(config.total()).isEqualTo(4);
		assertThat(config.timeout()).isNull();
		assertThat(config.lease()).isEqualTo(Duration.ofSeconds(30)).isEqualTo(ConcurrencyLimitConfig.DEFAULT_LEASE);
	}

	@Test
	void withTimeoutAndWithLeaseKeepTheRest() {
		ConcurrencyLimitConfig config = ConcurrencyLimitConfig.of(4)
			.withTimeout(Duration.ofSeconds(2))
			.withLease(Duration.ofSeconds(10));
		assertThat(config).isEqualTo(new ConcurrencyLimitConfig(4, Duration.ofSeconds(2), Duration.ofSeconds(10)));
		assertThat(config.withTimeout(null).timeout()).isNull();
	}

	@Test
	void aTotalBelowOneIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> ConcurrencyLimitConfig.of(0))
			.withMessage("total must be at least 1, but was 0");
	}

	@Test
	void aNegativeTotalIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> ConcurrencyLimitConfig.of(-3))
			.withMessage("total must be at least 1, but was -3");
	}

	@Test
	void aNegativeTimeoutIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ConcurrencyLimitConfig.of(1).withTimeout(Duration.ofMillis(-1)))
			.withMessage("timeout must be zero or positive, but was PT-0.001S");
	}

	@Test
	void aZeroTimeoutIsAllowed() {
		assertThat(ConcurrencyLimitConfig.of(1).withTimeout(Duration.ZERO).timeout()).isZero();
	}

	@Test
	void aNullLeaseIsRejected() {
		assertThatExceptionOfType(NullPointerException.class)
			.isThrownBy(() -> new ConcurrencyLimitConfig(1, null, null))
			.withMessage("lease must not be null");
	}

	@Test
	void aLeaseShorterThanTheMinimumIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ConcurrencyLimitConfig.of(1).withLease(Duration.ofMillis(99)))
			.withMessage("lease must be at least 100ms, but was 99ms");
	}

	@Test
	void aLeaseOfLessThanAMillisecondIsShownExactly() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ConcurrencyLimitConfig.of(1).withLease(Duration.ofNanos(500)))
			.withMessage("lease must be at least 100ms, but was PT0.0000005S");
	}

	@Test
	void theMinimumLeaseIsAllowed() {
		assertThat(ConcurrencyLimitConfig.of(1).withLease(Duration.ofMillis(100)).lease())
			.isEqualTo(ConcurrencyLimitConfig.MIN_LEASE);
	}

}
