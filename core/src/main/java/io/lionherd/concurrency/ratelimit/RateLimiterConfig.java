package io.lionherd.concurrency.ratelimit;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * How a sliding-window limiter is configured.
 *
 * @param maxCalls the most permits granted in any window of {@code period}: from 1 to
 * {@value #MAX_CALLS}
 * @param period the window length, positive
 * @param timeout how long {@link RateLimiter#acquire()} waits: {@code null} for no limit,
 * {@link Duration#ZERO} for not at all
 */
public record RateLimiterConfig(int maxCalls, Duration period, @Nullable Duration timeout) {

	/**
	 * The largest {@code maxCalls}: the in-memory window keeps the time of every grant
	 * still inside it, and its ring holds at most 2^26 of them.
	 */
	public static final int MAX_CALLS = 1 << 26;

	/**
	 * Checks the values.
	 * @throws IllegalArgumentException if {@code maxCalls} is outside 1 to
	 * {@value #MAX_CALLS}, {@code period} is not positive or {@code timeout} is negative;
	 * the message names the field
	 * @throws NullPointerException if {@code period} is {@code null}
	 */
	public RateLimiterConfig {
		if (maxCalls < 1 || maxCalls > MAX_CALLS) {
			throw new IllegalArgumentException(
					"maxCalls must be from 1 to " + MAX_CALLS + " (2^26), but was " + maxCalls);
		}
		if (period == null) {
			throw new NullPointerException("period must not be null");
		}
		if (period.isNegative() || period.isZero()) {
			throw new IllegalArgumentException("period must be positive, but was " + period);
		}
		if (timeout != null && timeout.isNegative()) {
			throw new IllegalArgumentException(
					"timeout must be zero or positive, or unset for no limit (null), but was " + timeout);
		}
	}

	/**
	 * A configuration whose {@code acquire()} waits without limit.
	 * @param maxCalls the most permits granted in any window of {@code period}
	 * @param period the window length
	 * @return the configuration
	 */
	public static RateLimiterConfig of(int maxCalls, Duration period) {
		return new RateLimiterConfig(maxCalls, period, null);
	}

	/**
	 * This configuration with another {@code acquire()} timeout.
	 * @param timeout how long to wait, {@code null} for no limit
	 * @return a new configuration
	 */
	public RateLimiterConfig withTimeout(@Nullable Duration timeout) {
		return new RateLimiterConfig(this.maxCalls, this.period, timeout);
	}

}
