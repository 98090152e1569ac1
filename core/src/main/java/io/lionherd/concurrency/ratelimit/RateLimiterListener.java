package io.lionherd.concurrency.ratelimit;

/**
 * What the limiters of a {@link RateLimiterRegistry} report: the events behind the
 * {@code lionherd.ratelimiter.*} meters, a health check or a dashboard. Register one with
 * {@link RateLimiterRegistry#addListener(RateLimiterListener)}. Calls are guarded: a
 * listener that throws is logged and never fails a caller or strands a waiter.
 */
public interface RateLimiterListener {

	/**
	 * A limiter joined the registry; also called, on registration, for every limiter
	 * already in it.
	 * @param limiter the limiter
	 */
	default void added(RateLimiter limiter) {
	}

	/**
	 * A permit was granted.
	 * @param limiter the limiter that granted it
	 * @param waitNanos how long the acquire waited; 0 for an immediate grant
	 */
	default void granted(RateLimiter limiter, long waitNanos) {
	}

	/**
	 * {@code tryAcquire} returned {@code false}, or an acquire timed out.
	 * @param limiter the limiter that refused
	 */
	default void rejected(RateLimiter limiter) {
	}

	/**
	 * A distributed limiter's backend could not decide (unreachable, timed out, an error
	 * reply); the limiter then failed or allowed the calls that asked, as it is
	 * configured to.
	 * @param limiter the limiter whose backend failed
	 * @param error the backend's failure
	 */
	default void backendError(RateLimiter limiter, Throwable error) {
	}

	/**
	 * {@link RateLimiterRegistry#get(String, String)} refused a new key because the named
	 * limiter's key table is full ({@link RateLimiterConfig#maxKeys()}); such a refusal
	 * is also reported to {@link #rejected}.
	 * @param limiter the named limiter whose key table is full
	 */
	default void keyRefused(RateLimiter limiter) {
	}

	/**
	 * The listener that ignores everything.
	 * @return the no-op listener
	 */
	static RateLimiterListener none() {
		return NoRateLimiterListener.INSTANCE;
	}

}

enum NoRateLimiterListener implements RateLimiterListener {

	INSTANCE

}
