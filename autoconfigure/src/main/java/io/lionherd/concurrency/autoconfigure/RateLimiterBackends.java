package io.lionherd.concurrency.autoconfigure;

import io.lionherd.concurrency.ratelimit.RateLimiter;

/**
 * The backend a limiter reports in the {@code ratelimiters} endpoint and the
 * {@code rateLimiters} health contributor.
 */
final class RateLimiterBackends {

	static final String LOCAL = "local";

	private RateLimiterBackends() {
	}

	/**
	 * The limiter's backend, {@code local} or {@code redis}. Every limiter is in memory
	 * until the Redis backend lands; then this answers {@code limiter.backend()}.
	 * @param limiter the limiter
	 * @return its backend's name
	 */
	static String backendOf(RateLimiter limiter) {
		return LOCAL;
	}

}
