package io.lionherd.concurrency.autoconfigure.annotation;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;

/**
 * A view of a limiter in which one permit is {@code weight} of the limiter's: so that the
 * core's decorators ({@link RateLimiter#executeCallable}, which take one permit per call)
 * ask for the permits a {@code @RateLimited(permits = ...)} call evaluated. Made per call
 * with a weight above 1; a calls-limit still counts each call once.
 */
final class WeightedRateLimiter implements RateLimiter {

	private final RateLimiter limiter;

	private final long weight;

	WeightedRateLimiter(RateLimiter limiter, long weight) {
		this.limiter = limiter;
		this.weight = weight;
	}

	@Override
	public String name() {
		return this.limiter.name();
	}

	@Override
	public RateLimiterConfig config() {
		return this.limiter.config();
	}

	@Override
	public String backend() {
		return this.limiter.backend();
	}

	@Override
	public CompletableFuture<Void> acquire() {
		return this.limiter.acquire(this.weight);
	}

	@Override
	public CompletableFuture<Void> acquire(Duration timeout) {
		return this.limiter.acquire(this.weight, timeout);
	}

	@Override
	public boolean tryAcquire() {
		return this.limiter.tryAcquire(this.weight);
	}

	@Override
	public CompletableFuture<Boolean> tryAcquireAsync() {
		return this.limiter.tryAcquireAsync(this.weight);
	}

	@Override
	public CompletableFuture<Void> acquire(long permits) {
		return this.limiter.acquire(Math.multiplyExact(permits, this.weight));
	}

	@Override
	public CompletableFuture<Void> acquire(long permits, Duration timeout) {
		return this.limiter.acquire(Math.multiplyExact(permits, this.weight), timeout);
	}

	@Override
	public boolean tryAcquire(long permits) {
		return this.limiter.tryAcquire(Math.multiplyExact(permits, this.weight));
	}

	@Override
	public CompletableFuture<Boolean> tryAcquireAsync(long permits) {
		return this.limiter.tryAcquireAsync(Math.multiplyExact(permits, this.weight));
	}

	@Override
	public int availablePermits() {
		return (int) (this.limiter.availablePermits() / this.weight);
	}

	@Override
	public int waitingCount() {
		return this.limiter.waitingCount();
	}

	@Override
	public String toString() {
		return this.limiter + " x" + this.weight;
	}

}
