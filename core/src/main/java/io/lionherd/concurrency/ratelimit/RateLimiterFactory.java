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
	 * Creates the limiter of one client key under a named limiter's definition, for
	 * {@link RateLimiterRegistry#get(String, String)}: its own windows and queue, its
	 * {@link RateLimiter#name() name} the name and its {@link RateLimiter#key() key} the
	 * key. The registry drops it once it is
	 * {@link io.lionherd.concurrency.internal.Forgettable forgettable}, so the limiter
	 * should implement that; one that does not is kept as long as the registry.
	 * @param name the name whose definition it shares
	 * @param key the client key, not empty
	 * @param config how it limits
	 * @param listener where it reports grants and rejections
	 * @return a new limiter
	 * @throws UnsupportedOperationException if this backend has no keyed limiters
	 */
	default RateLimiter create(String name, String key, RateLimiterConfig config, RateLimiterListener listener) {
		throw new UnsupportedOperationException(getClass().getName() + " does not create limiters per key");
	}

	/**
	 * The timer on the clock of this backend's limiters: the registry forgets idle keys
	 * on it.
	 * @return the timer
	 */
	default DelayScheduler scheduler() {
		return DelayScheduler.shared();
	}

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
