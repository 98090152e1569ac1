package io.lionherd.concurrency.capacity;

import java.util.concurrent.Executor;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.Ticker;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.WakeUpExecutor;

/**
 * Creates named concurrency limits of one backend: in memory ({@link #inMemory()}), or
 * shared by every instance (the Redis backend's {@code RedisConcurrencyLimitFactory}).
 */
public interface ConcurrencyLimitFactory {

	/**
	 * A new limit.
	 * @param name its name
	 * @param config how it limits
	 * @param listener where it reports grants, rejections and backend failures
	 * @return the limit
	 */
	ConcurrencyLimit create(String name, ConcurrencyLimitConfig config, ConcurrencyLimitListener listener);

	/**
	 * In-memory limits on the system clock whose timeouts run on
	 * {@link DelayScheduler#shared()}.
	 * @return the factory
	 */
	static ConcurrencyLimitFactory inMemory() {
		return inMemory(Ticker.system(), DelayScheduler.shared());
	}

	/**
	 * In-memory limits that time their waits with {@code ticker} and schedule their
	 * timeouts on {@code scheduler} (tests pass a manual clock).
	 * @param ticker the clock of the waits the listener is told of
	 * @param scheduler where timeouts are scheduled
	 * @return the factory
	 */
	static ConcurrencyLimitFactory inMemory(Ticker ticker, DelayScheduler scheduler) {
		return inMemory(ticker, scheduler, WakeUpExecutor.shared());
	}

	/**
	 * In-memory limits on the given time sources: a test can drive them by hand.
	 * @param ticker the clock of the waits the listener is told of
	 * @param scheduler where timeouts are scheduled
	 * @param timeoutExecutor where a timeout fails its acquire (and so where the
	 * continuations of a timed-out acquire run)
	 * @return the factory
	 */
	static ConcurrencyLimitFactory inMemory(Ticker ticker, DelayScheduler scheduler, Executor timeoutExecutor) {
		Checks.notNull(ticker, "ticker");
		Checks.notNull(scheduler, "scheduler");
		Checks.notNull(timeoutExecutor, "timeoutExecutor");
		return (name, config, listener) -> new LocalConcurrencyLimit(name, config, listener,
				CapacityLimiter.of(config.total(), scheduler, timeoutExecutor), ticker);
	}

}
