package io.lionherd.concurrency.ratelimit.redis;

/**
 * Tests' view of the grants a limiter hands to its callers, with the Redis server time
 * that decided each: the window invariant is judged on these times.
 */
@FunctionalInterface
interface GrantLog {

	GrantLog NONE = (limiter, serverMicros) -> {
	};

	/**
	 * A permit decided by Redis was handed to a caller.
	 * @param limiter the limiter
	 * @param serverMicros the server's {@code TIME} of the grant, in microseconds
	 */
	void granted(RedisRateLimiter limiter, long serverMicros);

}
