package io.lionherd.concurrency.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;

import io.lionherd.concurrency.RetryPolicy;

/**
 * A named retry policy as configured under {@code lionherd.concurrency.retries.<name>},
 * validated: what a {@code RetryPolicy} is built from.
 *
 * @param maxAttempts attempts in all, at least 1
 * @param baseDelay the wait before the second attempt
 * @param maxDelay the longest wait, before jitter
 * @param jitter the random fraction, from 0 to 1, added to each wait at most
 * @param retryOn the failures retried (subclasses included), each matching a failure or
 * one of its causes; empty for every {@link Exception}
 * @param exclude the failures never retried (subclasses included), each matching a
 * failure or one of its causes; a {@link CancellationException} or
 * {@link InterruptedException} never is either
 */
record RetrySettings(int maxAttempts, Duration baseDelay, Duration maxDelay, double jitter,
		List<Class<? extends Throwable>> retryOn, List<Class<? extends Throwable>> exclude) {

	RetrySettings {
		retryOn = List.copyOf(retryOn);
		exclude = List.copyOf(exclude);
	}

	/**
	 * The policy these settings describe.
	 * @return the policy
	 */
	@SuppressWarnings("unchecked")
	RetryPolicy toPolicy() {
		RetryPolicy.Builder builder = RetryPolicy.builder()
			.maxAttempts(this.maxAttempts)
			.baseDelay(this.baseDelay)
			.maxDelay(this.maxDelay)
			.jitter(this.jitter)
			.exclude(this.exclude.toArray(new Class[0]));
		if (!this.retryOn.isEmpty()) {
			builder.retryOn(this.retryOn.toArray(new Class[0]));
		}
		return builder.build();
	}

}
