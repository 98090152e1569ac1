package io.lionherd.concurrency.ratelimit.redis;

import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lionherd.concurrency.internal.PermitWaiter;
import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;

/**
 * A queued acquire of a {@link RedisRateLimiter}: granted (now, or at the instant Redis
 * reserved for it), failed by the backend or refused for its timeout, or abandoned by its
 * caller or its timeout, as {@link PermitWaiter} decides it. An abandoned waiter's
 * reservation is taken back.
 */
final class RedisWaiter extends PermitWaiter {

	private final RedisRateLimiter limiter;

	/** {@code System.nanoTime()} of the acquire. */
	final long arrival;

	final long permits;

	/** How long it may wait, in nanoseconds; negative for no limit. */
	final long timeoutNanos;

	/**
	 * Its member without the weight once Redis reserved an instant for it; from then on
	 * it is granted at that instant, which lies within its timeout.
	 */
	volatile @Nullable String reservation;

	/** The instant Redis reserved for it, in the server's microseconds, once reserved. */
	volatile long reservedMicros;

	/** Its caller or its timeout gave up before it was granted. */
	volatile boolean gaveUp;

	/** The grant at the reserved instant. */
	volatile @Nullable Future<?> grantTimer;

	/** Whether its reservation was taken back (once). */
	final AtomicBoolean released = new AtomicBoolean();

	RedisWaiter(RedisRateLimiter limiter, long arrival, long permits, long timeoutNanos, @Nullable WorkScope scope) {
		super(scope);
		this.limiter = limiter;
		this.arrival = arrival;
		this.permits = permits;
		this.timeoutNanos = timeoutNanos;
	}

	/**
	 * The longest wait Redis may reserve for it, as the script takes it.
	 * @param now {@code System.nanoTime()}
	 * @return microseconds, or -1 for no limit
	 */
	long maxWaitMicros(long now) {
		if (this.timeoutNanos < 0) {
			return -1;
		}
		return Math.max(0, this.arrival + this.timeoutNanos - now) / 1000;
	}

	@Override
	protected void abandoned() {
		this.limiter.abandoned(this);
	}

}
