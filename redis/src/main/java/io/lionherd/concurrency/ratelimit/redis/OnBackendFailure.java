package io.lionherd.concurrency.ratelimit.redis;

/**
 * What a Redis limiter does when Redis cannot decide (unreachable, too slow, an error
 * reply). Either way the failure is reported to the limiter's listeners
 * ({@code lionherd.ratelimiter.backend.errors}).
 */
public enum OnBackendFailure {

	/**
	 * Grant nothing: {@code acquire} fails with
	 * {@link io.lionherd.concurrency.ratelimit.RateLimiterBackendException} (every waiter
	 * queued at that moment at once) and {@code tryAcquire} returns {@code false}. The
	 * default, because a limit usually protects someone else's quota.
	 */
	FAIL,

	/**
	 * Grant every permit asked for while Redis cannot decide: the limit is not enforced
	 * then, but callers are not stopped by an outage of the limiter's store.
	 */
	ALLOW

}
