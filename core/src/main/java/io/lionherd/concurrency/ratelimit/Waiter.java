package io.lionherd.concurrency.ratelimit;

import io.lionherd.concurrency.internal.PermitWaiter;
import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;

/**
 * A queued acquire of a {@link SlidingWindowRateLimiter}: granted by the limiter, or
 * abandoned by its caller or its timeout, as {@link PermitWaiter} decides it.
 */
final class Waiter extends PermitWaiter {

	private final SlidingWindowRateLimiter limiter;

	/** Relative ticker time of the acquire. */
	final long arrival;

	/**
	 * Relative ticker time of the grant: written under the limiter's lock before the CAS
	 * that grants, so whoever sees the grant sees it.
	 */
	long grantedAt;

	/** Guarded by the limiter's lock: links of the {@link WaiterQueue}. */
	@Nullable Waiter prev;

	/** Guarded by the limiter's lock. */
	@Nullable Waiter next;

	/** Guarded by the limiter's lock: whether it is in the {@link WaiterQueue}. */
	boolean queued;

	Waiter(SlidingWindowRateLimiter limiter, long arrival, @Nullable WorkScope scope) {
		super(scope);
		this.limiter = limiter;
		this.arrival = arrival;
	}

	/**
	 * Decides the grant, if nothing decided otherwise first.
	 * @param now the relative ticker time of the grant
	 * @return whether it is granted
	 */
	boolean markGranted(long now) {
		this.grantedAt = now;
		return decideGrant();
	}

	/**
	 * Under the limiter's lock, where grants are decided: a cancel that returns has left
	 * the queue, the counts and the "someone waits" flag, and a cancel that loses to a
	 * grant sees the grant complete, flag cleared.
	 */
	@Override
	protected boolean abandonAndLeave() {
		return this.limiter.abandon(this);
	}

	@Override
	protected void abandoned() {
		this.limiter.leave(this);
	}

}
