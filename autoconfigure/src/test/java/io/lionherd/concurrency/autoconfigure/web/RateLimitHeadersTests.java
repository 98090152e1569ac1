package io.lionherd.concurrency.autoconfigure.web;

import java.time.Duration;

import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.LimitStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests the IETF RateLimit field values.
 */
class RateLimitHeadersTests {

	@Test
	void policyGivesQuotaAndWindowInSeconds() {
		LimitStatus status = new LimitStatus(Limit.permits(100, Duration.ofMinutes(1)), 42, Duration.ofSeconds(17));
		assertThat(RateLimitHeaders.policy("\"per-client\"", status)).isEqualTo("\"per-client\";q=100;w=60");
	}

	@Test
	void stateGivesRemainingAndResetRoundedUp() {
		LimitStatus status = new LimitStatus(Limit.permits(100, Duration.ofMinutes(1)), 42, Duration.ofMillis(16_001));
		assertThat(RateLimitHeaders.state("\"per-client\"", status)).isEqualTo("\"per-client\";r=42;t=17");
	}

	@Test
	void subSecondWindowRoundsUpToOneSecond() {
		LimitStatus status = new LimitStatus(Limit.calls(5, Duration.ofMillis(500)), 5, Duration.ZERO);
		assertThat(RateLimitHeaders.policy("\"fast\"", status)).isEqualTo("\"fast\";q=5;w=1");
		assertThat(RateLimitHeaders.state("\"fast\"", status)).isEqualTo("\"fast\";r=5;t=0");
	}

	@Test
	void secondsRoundUpAnyFraction() {
		assertThat(RateLimitHeaders.seconds(Duration.ofSeconds(7))).isEqualTo(7);
		assertThat(RateLimitHeaders.seconds(Duration.ofSeconds(6, 1))).isEqualTo(7);
		assertThat(RateLimitHeaders.seconds(Duration.ZERO)).isZero();
	}

	@Test
	void policyNameIsAStructuredFieldString() {
		assertThat(RateLimitHeaders.policyName("per-client")).isEqualTo("\"per-client\"");
		assertThat(RateLimitHeaders.policyName("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
		assertThat(RateLimitHeaders.policyName("caf\u00e9\ttab")).isEqualTo("\"caf??tab\"");
	}

}
