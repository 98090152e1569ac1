package io.lionherd.concurrency.ratelimit.redis;

import io.lionherd.concurrency.internal.PermitWaiter;
import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;

/**
 * A queued acquire of a {@link RedisRateLimiter}: granted (a permit Redis gave), failed
 * by the backend, or abandoned by its caller or its timeout, as {@link PermitWaiter}
 * decides it. An abandoned waiter's permit goes to the next waiter or back to Redis.
 */
final class RedisWaiter extends PermitWaiter {

	private final RedisRateLimiter limiter;

	/** {@code System.nanoTime()} of the acquire. */
	final long arrival;

	RedisWaiter(RedisRateLimiter limiter, long arrival, @Nullable WorkScope scope) {
		super(scope);
		this.limiter = limiter;
		this.arrival = arrival;
	}

	@Override
	protected void abandoned() {
		this.limiter.abandoned(this);
	}

}
