package io.lionherd.concurrency.ratelimit;

import java.time.Duration;

/**
 * One limit of a {@link RateLimiterConfig}: at most {@code max} counted in every
 * half-open window of {@code period}. A permits-limit counts the permits a request asks
 * for (tokens, bytes, units); a calls-limit counts 1 per request whatever it asks for.
 * <pre>{@code
 * RateLimiterConfig.of(Limit.calls(500, Duration.ofMinutes(1)),
 *         Limit.permits(200_000, Duration.ofMinutes(1)),
 *         Limit.calls(10_000, Duration.ofDays(1)));
 * }</pre>
 *
 * @param max the most counted in any window of {@code period}, at least 1
 * @param period the window length, positive
 * @param countsCalls whether each request counts 1 ({@link #calls}) rather than the
 * permits it asks for ({@link #permits})
 */
public record Limit(long max, Duration period, boolean countsCalls) {

	/**
	 * Checks the values.
	 * @throws IllegalArgumentException if {@code max} is below 1 or {@code period} is not
	 * positive; the message names the field
	 * @throws NullPointerException if {@code period} is {@code null}
	 */
	public Limit {
		if (max < 1) {
			throw new IllegalArgumentException("max must be at least 1, but was " + max);
		}
		if (period == null) {
			throw new NullPointerException("period must not be null");
		}
		if (period.isNegative() || period.isZero()) {
			throw new IllegalArgumentException("period must be positive, but was " + period);
		}
	}

	/**
	 * A limit on the permits requests ask for: {@code acquire(n)} counts {@code n}.
	 * @param max the most permits in any window of {@code period}, at least 1
	 * @param period the window length, positive
	 * @return the limit
	 */
	public static Limit permits(long max, Duration period) {
		return new Limit(max, period, false);
	}

	/**
	 * A limit on requests: each counts 1, whatever number of permits it asks for.
	 * @param max the most requests in any window of {@code period}, at least 1
	 * @param period the window length, positive
	 * @return the limit
	 */
	public static Limit calls(long max, Duration period) {
		return new Limit(max, period, true);
	}

	/**
	 * What a request for {@code permits} counts against this limit.
	 * @param permits the permits asked for, at least 1
	 * @return 1 for a calls-limit, {@code permits} otherwise
	 */
	long weightOf(long permits) {
		return this.countsCalls ? 1 : permits;
	}

	@Override
	public String toString() {
		return this.max + (this.countsCalls ? " calls" : " permits") + " per " + this.period;
	}

}
