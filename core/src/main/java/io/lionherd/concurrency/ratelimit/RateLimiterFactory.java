package io.lionherd.concurrency.ratelimit;

import java.util.concurrent.Executor;

import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.Ticker;
import io.lionherd.concurrency.internal.WakeUpExecutor;

/**
 * Makes the limiters of one backend for a {@link RateLimiterRegistry}: the in-memory
 * sliding window here, Redis in {@code lionherd-concurrency-redis}.
 */
@FunctionalInterface
public interface RateLimiterFactory {

	/**
	 * Creates a limiter.
	 * @param name its name, unique in the registry
	 * @param config how it limits
	 * @param listener where it reports grants and rejections
	 * @return a new limiter
	 */
	RateLimiter create(String name, RateLimiterConfig config, RateLimiterListener listener);

	/**
	 * In-memory sliding windows on the system clock, the shared timer thread and the
	 * shared wake-up threads.
	 * @return the factory
	 */
	static RateLimiterFactory inMemory() {
		return inMemory(Ticker.system(), DelayScheduler.shared(), WakeUpExecutor.shared());
	}

	/**
	 * In-memory sliding windows on the given time sources: a test can drive them by hand.
	 * @param ticker the clock
	 * @param scheduler the timer for wake-ups and acquire timeouts
	 * @param wakeUpExecutor where granted waiters complete (and so their continuations
	 * run)
	 * @return the factory
	 */
	static RateLimiterFactory inMemory(Ticker ticker, DelayScheduler scheduler, Executor wakeUpExecutor) {
		return new SlidingWindowFactory(ticker, scheduler, wakeUpExecutor);
	}

}
