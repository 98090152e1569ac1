package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

/**
 * The failure of an {@code acquire} whose permits did not come in time, saying when they
 * could have: {@link RateLimiter#acquire(long, Duration)} fails with it at once when the
 * earliest possible grant lies after the timeout. The {@code execute}/{@code decorate}
 * methods turn it into a {@link RateLimitExceededException} with the same
 * {@link RateLimitExceededException#retryAfter()}.
 */
public class PermitTimeoutException extends TimeoutException {

	private final transient @Nullable Duration retryAfter;

	/**
	 * @param message what happened
	 * @param retryAfter how long after the refusal the request could have been granted,
	 * {@code null} if unknown
	 */
	public PermitTimeoutException(String message, @Nullable Duration retryAfter) {
		super(message);
		this.retryAfter = retryAfter;
	}

	/**
	 * How long after the refusal the refused request could have been granted.
	 * @return the delay, empty if unknown
	 */
	public Optional<Duration> retryAfter() {
		return Optional.ofNullable(this.retryAfter);
	}

}
