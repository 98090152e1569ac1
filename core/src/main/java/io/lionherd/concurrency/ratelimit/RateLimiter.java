package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A sliding-window rate limiter: in every half-open window of length {@code period} at
 * most {@code maxCalls} permits are granted. Waiters are served in arrival order,
 * {@code tryAcquire} never overtakes them, and waiting holds no thread. A cancelled or
 * timed-out acquire gives up its place and consumes no permit.
 */
public interface RateLimiter {

	/**
	 * The limiter's name: the key of its {@link RateLimiterRegistry} entry and its
	 * meters' tag.
	 * @return the name, {@code ""} for an unnamed limiter
	 */
	String name();

	/**
	 * How this limiter limits.
	 * @return its configuration
	 */
	RateLimiterConfig config();

	/**
	 * Asks for a permit, waiting up to {@code config().timeout()} (without limit when
	 * that is {@code null}).
	 * @return a future completing when the permit is granted, or failing with
	 * {@link java.util.concurrent.TimeoutException} if it was not granted in time;
	 * cancelling it gives up the place in the queue without consuming a permit
	 */
	CompletableFuture<Void> acquire();

	/**
	 * Asks for a permit, giving up after {@code timeout}.
	 * @param timeout how long to wait at most, zero or more
	 * @return a future completing when the permit is granted, or failing with
	 * {@link java.util.concurrent.TimeoutException} if it was not granted in time
	 */
	CompletableFuture<Void> acquire(Duration timeout);

	/**
	 * Grants a permit now if one is free and nobody is waiting.
	 * @return whether a permit was granted; never waits for one
	 */
	boolean tryAcquire();

	/**
	 * {@link #tryAcquire()} without blocking the caller: a distributed backend answers
	 * when its server has; the in-memory one at once.
	 * @return a future of whether a permit was granted
	 */
	default CompletableFuture<Boolean> tryAcquireAsync() {
		return CompletableFuture.completedFuture(tryAcquire());
	}

	/**
	 * How many permits could be granted now (zero while anyone waits): a snapshot for
	 * gauges and health checks.
	 * @return the number of permits free now
	 */
	int availablePermits();

	/**
	 * How many acquires of this instance wait now.
	 * @return the number of waiters
	 */
	int waitingCount();

	/**
	 * Where this limiter's window lives, as the {@code lionherd} endpoint reports it.
	 * @return {@code "local"} for an in-memory limiter (the default), {@code "redis"} for
	 * one shared through Redis; another backend answers its own name
	 */
	default String backend() {
		return "local";
	}

	/**
	 * An unnamed in-memory limiter on the system's monotonic clock and the shared timer
	 * thread; granted waiters complete on the shared wake-up threads.
	 * {@code AsyncUtils.rateLimiter} gives one on that instance's clock, timer and
	 * wake-up executor instead.
	 * @param maxCalls the most permits granted in any window, at least 1
	 * @param period the window length, positive
	 * @return a new limiter
	 */
	static RateLimiter slidingWindow(int maxCalls, Duration period) {
		return slidingWindow("", RateLimiterConfig.of(maxCalls, period));
	}

	/**
	 * A named in-memory limiter on the system's monotonic clock and the shared timer
	 * thread. It is in no registry: use
	 * {@link RateLimiterRegistry#rateLimiter(String, RateLimiterConfig)} for a limiter
	 * that is published as meters and found by name.
	 * @param name the limiter's name
	 * @param config how it limits
	 * @return a new limiter
	 */
	static RateLimiter slidingWindow(String name, RateLimiterConfig config) {
		return RateLimiterFactory.inMemory().create(name, config, RateLimiterListener.none());
	}

}
