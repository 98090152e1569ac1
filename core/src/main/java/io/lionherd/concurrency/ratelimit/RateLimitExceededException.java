package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * No permit came in time: thrown by a {@code @RateLimited} method that blocks, or the
 * failure of one that returns a {@code CompletionStage}.
 */
public class RateLimitExceededException extends RuntimeException {

	private final String limiterName;

	private final @Nullable Duration retryAfter;

	/**
	 * A refusal without an underlying failure, such as a new key refused by a full key
	 * table.
	 * @param limiterName the limiter that gave no permit
	 * @param message what happened
	 */
	public RateLimitExceededException(String limiterName, String message) {
		super(message);
		this.limiterName = limiterName;
		this.retryAfter = null;
	}

	/**
	 * @param limiterName the limiter that gave no permit
	 * @param message what happened
	 * @param cause the underlying failure, e.g. a {@code TimeoutException}
	 */
	public RateLimitExceededException(String limiterName, String message, Throwable cause) {
		this(limiterName, message, cause, null);
	}

	/**
	 * @param limiterName the limiter that gave no permit
	 * @param message what happened
	 * @param cause the underlying failure, e.g. a {@code TimeoutException}
	 * @param retryAfter how long after the refusal the request could have been granted,
	 * {@code null} if unknown
	 */
	public RateLimitExceededException(String limiterName, String message, Throwable cause,
			@Nullable Duration retryAfter) {
		super(message, cause);
		this.limiterName = limiterName;
		this.retryAfter = retryAfter;
	}

	/**
	 * The limiter that gave no permit.
	 * @return its name
	 */
	public String limiterName() {
		return this.limiterName;
	}

	/**
	 * How long after the refusal the refused request could have been granted (the
	 * earliest instant every limit had room for it, behind the requests already waiting),
	 * for a {@code Retry-After} header or a client's back-off.
	 * @return the delay, empty when the backend does not know it (such as after an
	 * interrupt)
	 */
	public Optional<Duration> retryAfter() {
		return Optional.ofNullable(this.retryAfter);
	}

}
