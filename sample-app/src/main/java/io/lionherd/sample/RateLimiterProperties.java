package io.lionherd.sample;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The rate limiter behind {@code GET /api/rate-limited}, bound from {@code sample.rate-limiter.*}.
 * Invalid values stop startup with a report naming the property, the value and the reason.
 *
 * @param maxCalls the most permits granted in any window of {@code period}; at least 1
 * @param period the length of the sliding window; positive
 * @param timeout how long a request waits for a permit before it is answered with HTTP 429; zero
 * or more (zero: answer 429 at once when no permit is free)
 */
@Validated
@ConfigurationProperties("sample.rate-limiter")
public record RateLimiterProperties(
		@DefaultValue("3") @Positive(message = "must be at least 1") int maxCalls,
		@DefaultValue("500ms") @NotNull @DurationMin(nanos = 0, inclusive = false,
				message = "must be a positive duration, such as 500ms") Duration period,
		@DefaultValue("2s") @NotNull @DurationMin(nanos = 0,
				message = "must be zero or a positive duration, such as 2s") Duration timeout) {
}
