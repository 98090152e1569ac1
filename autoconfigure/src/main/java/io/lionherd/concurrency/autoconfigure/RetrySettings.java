package io.lionherd.concurrency.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * A named retry policy as configured under {@code lionherd.concurrency.retries.<name>},
 * validated: what a {@code RetryPolicy} is built from.
 *
 * @param maxAttempts attempts in all, at least 1
 * @param baseDelay the wait before the second attempt
 * @param maxDelay the longest wait, before jitter
 * @param jitter the random fraction, from 0 to 1, added to each wait at most
 * @param retryOn the failures retried (subclasses included); empty for every
 * {@link Exception} except {@link CancellationException} and {@link InterruptedException}
 */
record RetrySettings(int maxAttempts, Duration baseDelay, Duration maxDelay, double jitter,
		List<Class<? extends Throwable>> retryOn) {

	RetrySettings {
		retryOn = List.copyOf(retryOn);
	}

	/**
	 * Whether this policy retries after {@code failure}.
	 * @param failure the failure of an attempt
	 * @return whether to try again
	 */
	boolean retries(Throwable failure) {
		if (this.retryOn.isEmpty()) {
			return failure instanceof Exception && !(failure instanceof CancellationException)
					&& !(failure instanceof InterruptedException);
		}
		for (Class<? extends Throwable> type : this.retryOn) {
			if (type.isInstance(failure)) {
				return true;
			}
		}
		return false;
	}

}
