package io.lionherd.concurrency.ratelimit;

import java.time.Duration;

import io.lionherd.concurrency.internal.Checks;

/**
 * What is left of one limit of a rate limiter, as {@link RateLimiter#status()} reports
 * it: the quota ({@code limit.max()} per {@code limit.period()}), the units still
 * grantable now, and how long until more come back.
 *
 * @param limit the limit
 * @param remaining the units (permits, or calls for a calls-limit) that could be granted
 * now, from 0 to {@code limit.max()}
 * @param reset how long until the oldest grant still inside the window leaves it (and so
 * {@code remaining} grows); zero when nothing is inside the window
 */
public record LimitStatus(Limit limit, long remaining, Duration reset) {

	public LimitStatus {
		Checks.notNull(limit, "limit");
		Checks.notNull(reset, "reset");
		if (remaining < 0 || remaining > limit.max()) {
			throw new IllegalArgumentException(
					"remaining must be from 0 to limit.max() (" + limit.max() + "), but was " + remaining);
		}
		if (reset.isNegative()) {
			throw new IllegalArgumentException("reset must be zero or positive, but was " + reset);
		}
	}

}
