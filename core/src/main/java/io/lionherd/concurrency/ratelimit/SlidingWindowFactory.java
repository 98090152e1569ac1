package io.lionherd.concurrency.ratelimit;

import java.util.concurrent.Executor;

import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.Ticker;
import io.lionherd.concurrency.internal.Checks;
import org.jspecify.annotations.Nullable;

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
		return limiter(name, null, config, listener);
	}

	@Override
	public RateLimiter create(String name, String key, RateLimiterConfig config, RateLimiterListener listener) {
		return limiter(name, Checks.notNull(key, "key"), config, listener);
	}

	private RateLimiter limiter(String name, @Nullable String key, RateLimiterConfig config,
			RateLimiterListener listener) {
		Limit first = config.limits().get(0);
		if (config.limits().size() == 1 && !first.countsCalls() && first.max() <= RateLimiterConfig.MAX_CALLS) {
			return new SlidingWindowRateLimiter(name, key, config, this.ticker, this.scheduler, this.wakeUpExecutor,
					listener);
		}
		return new MultiWindowRateLimiter(name, key, config, this.ticker, this.scheduler, this.wakeUpExecutor,
				listener);
	}

}
