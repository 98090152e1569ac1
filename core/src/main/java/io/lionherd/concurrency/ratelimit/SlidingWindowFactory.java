package io.lionherd.concurrency.ratelimit;

import java.util.concurrent.Executor;

import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.Ticker;
import io.lionherd.concurrency.internal.Checks;

/**
 * The in-memory backend of {@link RateLimiterFactory#inMemory}: one permits-limit (the
 * {@code RateLimiterConfig.of(maxCalls, period)} case) gets the lock-free
 * {@link SlidingWindowRateLimiter}, every other configuration the
 * {@link MultiWindowRateLimiter}.
 */
record SlidingWindowFactory(Ticker ticker, DelayScheduler scheduler,
		Executor wakeUpExecutor) implements RateLimiterFactory {

	SlidingWindowFactory {
		Checks.notNull(ticker, "ticker");
		Checks.notNull(scheduler, "scheduler");
		Checks.notNull(wakeUpExecutor, "wakeUpExecutor");
	}

	@Override
	public RateLimiter create(String name, RateLimiterConfig config, RateLimiterListener listener) {
		Limit first = config.limits().get(0);
		if (config.limits().size() == 1 && !first.countsCalls() && first.max() <= RateLimiterConfig.MAX_CALLS) {
			return new SlidingWindowRateLimiter(name, config, this.ticker, this.scheduler, this.wakeUpExecutor,
					listener);
		}
		return new MultiWindowRateLimiter(name, config, this.ticker, this.scheduler, this.wakeUpExecutor, listener);
	}

	@Override
	public RateLimiter create(String name, String key, RateLimiterConfig config, RateLimiterListener listener) {
		// Placeholder until keyed limiters land: key() is not yet reported.
		return create(name, config, listener);
	}

}
