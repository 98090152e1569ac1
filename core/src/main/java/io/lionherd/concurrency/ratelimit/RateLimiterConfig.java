package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * How a sliding-window limiter is configured: one or more {@link Limit}s, all decided at
 * once for every request, and how long {@link RateLimiter#acquire()} waits.
 * <p>
 * {@link #of(int, Duration)} and the {@code (maxCalls, period, timeout)} constructor make
 * the one-limit configuration {@code Limit.permits(maxCalls, period)};
 * {@link #of(Limit, Limit...)} any other.
 */
public final class RateLimiterConfig {

	/**
	 * The largest {@code maxCalls} of {@link #of(int, Duration)}: the in-memory window of
	 * one limit keeps the time of every permit still inside it, and its ring holds at
	 * most 2^26 of them.
	 */
	public static final int MAX_CALLS = 1 << 26;

	/** The most limits of one configuration. */
	public static final int MAX_LIMITS = 8;

	/** The default of {@link #maxKeys()}. */
	public static final int DEFAULT_MAX_KEYS = 10_000;

	private final List<Limit> limits;

	private final @Nullable Duration timeout;

	private final int maxKeys;

	/**
	 * The one-limit configuration {@code Limit.permits(maxCalls, period)}.
	 * @param maxCalls the most permits granted in any window of {@code period}: from 1 to
	 * {@value #MAX_CALLS}
	 * @param period the window length, positive
	 * @param timeout how long {@link RateLimiter#acquire()} waits: {@code null} for no
	 * limit, {@link Duration#ZERO} for not at all
	 * @throws IllegalArgumentException if {@code maxCalls} is outside 1 to
	 * {@value #MAX_CALLS}, {@code period} is not positive or {@code timeout} is negative;
	 * the message names the field
	 * @throws NullPointerException if {@code period} is {@code null}
	 */
	public RateLimiterConfig(int maxCalls, Duration period, @Nullable Duration timeout) {
		if (maxCalls < 1 || maxCalls > MAX_CALLS) {
			throw new IllegalArgumentException(
					"maxCalls must be from 1 to " + MAX_CALLS + " (2^26), but was " + maxCalls);
		}
		this.limits = List.of(Limit.permits(maxCalls, period));
		this.timeout = checkTimeout(timeout);
		this.maxKeys = DEFAULT_MAX_KEYS;
	}

	private RateLimiterConfig(List<Limit> limits, @Nullable Duration timeout, int maxKeys) {
		this.limits = limits;
		this.timeout = checkTimeout(timeout);
		if (maxKeys < 1) {
			throw new IllegalArgumentException("maxKeys must be at least 1, but was " + maxKeys);
		}
		this.maxKeys = maxKeys;
	}

	private static @Nullable Duration checkTimeout(@Nullable Duration timeout) {
		if (timeout != null && timeout.isNegative()) {
			throw new IllegalArgumentException(
					"timeout must be zero or positive, or unset for no limit (null), but was " + timeout);
		}
		return timeout;
	}

	/**
	 * A configuration of one permits-limit whose {@code acquire()} waits without limit.
	 * @param maxCalls the most permits granted in any window of {@code period}
	 * @param period the window length
	 * @return the configuration
	 */
	public static RateLimiterConfig of(int maxCalls, Duration period) {
		return new RateLimiterConfig(maxCalls, period, null);
	}

	/**
	 * A configuration of the given limits, in this order, whose {@code acquire()} waits
	 * without limit. A request is granted only when every limit has room for it.
	 * <pre>{@code
	 * RateLimiterConfig.of(Limit.calls(500, Duration.ofMinutes(1)), Limit.permits(200_000, Duration.ofMinutes(1)));
	 * }</pre>
	 * @param first the first limit
	 * @param more the others
	 * @return the configuration
	 * @throws IllegalArgumentException if there are more than {@value #MAX_LIMITS}
	 * limits, or two count the same (calls or permits) over the same period; the message
	 * names the limits' indexes
	 * @throws NullPointerException if a limit is {@code null}; the message names its
	 * index
	 */
	public static RateLimiterConfig of(Limit first, Limit... more) {
		if (more == null) {
			throw new NullPointerException("more must not be null");
		}
		if (1 + more.length > MAX_LIMITS) {
			throw new IllegalArgumentException(
					"A rate limiter takes at most " + MAX_LIMITS + " limits, but was given " + (1 + more.length));
		}
		List<Limit> limits = new ArrayList<>(1 + more.length);
		for (int i = 0; i <= more.length; i++) {
			Limit limit = (i == 0) ? first : more[i - 1];
			if (limit == null) {
				throw new NullPointerException("limits[" + i + "] must not be null");
			}
			for (int j = 0; j < i; j++) {
				Limit other = limits.get(j);
				if (other.countsCalls() == limit.countsCalls() && other.period().equals(limit.period())) {
					throw new IllegalArgumentException("limits[" + i + "].period duplicates limits[" + j
							+ "]: both count " + (limit.countsCalls() ? "calls" : "permits") + " per " + limit.period()
							+ " (" + other + " and " + limit + "); keep the tighter one");
				}
			}
			limits.add(limit);
		}
		return new RateLimiterConfig(Collections.unmodifiableList(limits), null, DEFAULT_MAX_KEYS);
	}

	/**
	 * The limits, in the order given.
	 * @return one or more limits, at most {@value #MAX_LIMITS}
	 */
	public List<Limit> limits() {
		return this.limits;
	}

	/**
	 * The first limit's {@code max}: for a configuration of one limit (as
	 * {@link #of(int, Duration)} makes) the most permits in any window; with several,
	 * only the first of them (see {@link #limits()}). Saturated at
	 * {@code Integer.MAX_VALUE}.
	 * @return the first limit's {@code max}
	 */
	public int maxCalls() {
		return (int) Math.min(Integer.MAX_VALUE, this.limits.get(0).max());
	}

	/**
	 * The first limit's period: for a configuration of one limit its window length; with
	 * several, only the first's (see {@link #limits()}).
	 * @return the first limit's period
	 */
	public Duration period() {
		return this.limits.get(0).period();
	}

	/**
	 * How long {@link RateLimiter#acquire()} waits.
	 * @return {@code null} for no limit, {@link Duration#ZERO} for not at all
	 */
	public @Nullable Duration timeout() {
		return this.timeout;
	}

	/**
	 * This configuration with another {@code acquire()} timeout.
	 * @param timeout how long to wait, {@code null} for no limit
	 * @return a new configuration
	 */
	public RateLimiterConfig withTimeout(@Nullable Duration timeout) {
		return new RateLimiterConfig(this.limits, timeout, this.maxKeys);
	}

	/**
	 * The most keys of this limiter that {@link RateLimiterRegistry#get(String, String)}
	 * keeps alive at once in this instance; a request for a new key beyond it is refused
	 * at once.
	 * @return at least 1, {@value #DEFAULT_MAX_KEYS} unless set
	 */
	public int maxKeys() {
		return this.maxKeys;
	}

	/**
	 * This configuration with another {@link #maxKeys()}.
	 * @param maxKeys the most live keys, at least 1
	 * @return a new configuration
	 * @throws IllegalArgumentException if {@code maxKeys} is below 1
	 */
	public RateLimiterConfig withMaxKeys(int maxKeys) {
		return new RateLimiterConfig(this.limits, this.timeout, maxKeys);
	}

	/**
	 * Checks that a request for {@code permits} could ever be granted: every backend
	 * calls it before deciding.
	 * @param permits the permits asked for
	 * @return {@code permits}
	 * @throws IllegalArgumentException if {@code permits} is below 1 or above a
	 * permits-limit's {@code max}; the message names the limit
	 */
	public long checkPermits(long permits) {
		if (permits < 1) {
			throw new IllegalArgumentException("permits must be at least 1, but was " + permits);
		}
		for (int i = 0; i < this.limits.size(); i++) {
			Limit limit = this.limits.get(i);
			if (!limit.countsCalls() && permits > limit.max()) {
				throw new IllegalArgumentException("permits must be at most limits[" + i + "].max (" + limit
						+ "): a request for " + permits + " could never be granted");
			}
		}
		return permits;
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return (this == other) || (other instanceof RateLimiterConfig that && this.limits.equals(that.limits)
				&& Objects.equals(this.timeout, that.timeout) && this.maxKeys == that.maxKeys);
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.limits, this.timeout, this.maxKeys);
	}

	@Override
	public String toString() {
		Limit only = this.limits.get(0);
		if (this.limits.size() == 1 && !only.countsCalls() && only.max() <= MAX_CALLS) {
			return "RateLimiterConfig[maxCalls=" + only.max() + ", period=" + only.period() + ", timeout="
					+ this.timeout + maxKeysSuffix() + "]";
		}
		return "RateLimiterConfig[limits=" + this.limits + ", timeout=" + this.timeout + maxKeysSuffix() + "]";
	}

	private String maxKeysSuffix() {
		return (this.maxKeys != DEFAULT_MAX_KEYS) ? ", maxKeys=" + this.maxKeys : "";
	}

}
