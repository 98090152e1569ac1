package io.lionherd.concurrency.ratelimit;

/**
 * What a distributed limiter does when its backend cannot decide. For the Redis backend
 * that is when Redis cannot be reached: the connection is lost or cannot be opened, no
 * answer within the command timeout, or a reply saying the server cannot serve for now
 * ({@code LOADING}, {@code BUSY}, {@code MASTERDOWN}, {@code CLUSTERDOWN},
 * {@code TRYAGAIN}, {@code READONLY}). An error reply of a server that is there
 * ({@code WRONGTYPE} at the key, {@code OOM}, {@code NOPERM}, a script error) is no
 * outage: the limiter refuses then in either mode, and logs one warning per error code
 * until Redis decides again. Every failure is reported to the limiter's listeners
 * ({@code lionherd.ratelimiter.backend.errors}). An in-memory limiter always decides.
 */
public enum OnBackendFailure {

	/**
	 * Grant nothing: {@code acquire} fails with {@link RateLimiterBackendException}
	 * (every waiter queued at that moment at once) and {@code tryAcquire} returns
	 * {@code false}. The default, because a limit usually protects someone else's quota.
	 */
	FAIL,

	/**
	 * Grant every permit asked for while the backend cannot be reached: the limit is not
	 * enforced then, but callers are not stopped by an outage of the limiter's store.
	 */
	ALLOW

}
