package io.lionherd.concurrency.ratelimit;

import java.util.concurrent.Executor;

import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.Ticker;
import io.lionherd.concurrency.internal.Checks;

/** The in-memory backend of {@link RateLimiterFactory#inMemory}. */
record SlidingWindowFactory(Ticker ticker, DelayScheduler scheduler,
		Executor wakeUpExecutor) implements RateLimiterFactory {

	SlidingWindowFactory {
		Checks.notNull(ticker, "ticker");
		Checks.notNull(scheduler, "scheduler");
		Checks.notNull(wakeUpExecutor, "wakeUpExecutor");
	}

	@Override
	public RateLimiter create(String name, RateLimiterConfig config, RateLimiterListener listener) {
		return new SlidingWindowRateLimiter(name, config, this.ticker, this.scheduler, this.wakeUpExecutor, listener);
	}

}
