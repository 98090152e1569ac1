package io.lionherd.concurrency.ratelimit;

import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.internal.WakeUpExecutor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A sliding-window rate limiter: in every half-open window of length {@code period} at most
 * {@code maxCalls} permits are granted. Waiters are served in arrival order and hold no thread
 * while they wait.
 */
public interface RateLimiter {

	/**
	 * Asks for a permit.
	 * @return a future completing when the permit is granted; cancelling it gives up the place
	 * in the queue without consuming a permit
	 */
	CompletableFuture<Void> acquire();

	/**
	 * Asks for a permit, giving up after {@code timeout}.
	 * @param timeout how long to wait at most
	 * @return a future completing when the permit is granted, or failing with
	 * {@link java.util.concurrent.TimeoutException} if it was not granted in time
	 */
	CompletableFuture<Void> acquire(Duration timeout);

	/**
	 * Grants a permit now if one is free and nobody is waiting.
	 * @return whether a permit was granted; never waits
	 */
	boolean tryAcquire();

	/**
	 * Creates a limiter on the system's monotonic clock and the shared timer thread; granted
	 * waiters complete on the shared wake-up threads. {@code AsyncUtils.rateLimiter} gives one on
	 * that instance's clock, timer and wake-up executor instead.
	 * @param maxCalls the most permits granted in any window, at least 1
	 * @param period the window length, positive
	 * @return a new limiter
	 */
	static RateLimiter slidingWindow(int maxCalls, Duration period) {
		return new SlidingWindowRateLimiter(null, maxCalls, period, System::nanoTime, DelayScheduler.shared(),
				WakeUpExecutor.shared());
	}

}
