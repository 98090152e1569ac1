package io.lionherd.concurrency.ratelimit.redis;

/**
 * Tests' view of the grants a limiter hands to its callers, with the Redis server time
 * that decided each: the window invariant is judged on these times.
 */
@FunctionalInterface
interface GrantLog {

	GrantLog NONE = (limiter, serverMicros, permits) -> {
	};

	/**
	 * A request charged by Redis was granted to its caller.
	 * @param limiter the limiter
	 * @param serverMicros the request's instant on the server's clock, in microseconds
	 * (the decision's {@code TIME}, or the reserved instant)
	 * @param permits the permits it asked for
	 */
	void granted(RedisRateLimiter limiter, long serverMicros, long permits);

}
