package io.lionherd.concurrency.ratelimit;

/**
 * A distributed limiter's backend could not decide (for example, Redis is unreachable),
 * so no permit was granted.
 */
public class RateLimiterBackendException extends RuntimeException {

	/**
	 * @param message what failed
	 * @param cause the backend's own failure
	 */
	public RateLimiterBackendException(String message, Throwable cause) {
		super(message, cause);
	}

}
