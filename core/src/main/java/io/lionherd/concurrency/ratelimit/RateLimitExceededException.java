package io.lionherd.concurrency.ratelimit;

/**
 * No permit came in time: thrown by a {@code @RateLimited} method that blocks, or the
 * failure of one that returns a {@code CompletionStage}.
 */
public class RateLimitExceededException extends RuntimeException {

	private final String limiterName;

	/**
	 * @param limiterName the limiter that gave no permit
	 * @param message what happened
	 * @param cause the underlying failure, e.g. a {@code TimeoutException}
	 */
	public RateLimitExceededException(String limiterName, String message, Throwable cause) {
		super(message, cause);
		this.limiterName = limiterName;
	}

	/**
	 * The limiter that gave no permit.
	 * @return its name
	 */
	public String limiterName() {
		return this.limiterName;
	}

}
