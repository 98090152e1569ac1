package io.lionherd.concurrency.ratelimit;

import io.lionherd.concurrency.internal.PermitWaiter;
import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;

/**
 * A queued acquire of a {@link SlidingWindowRateLimiter} or a
 * {@link MultiWindowRateLimiter}: granted by the limiter, or abandoned by its caller or
 * its timeout, as {@link PermitWaiter} decides it.
 */
final class Waiter extends PermitWaiter {

	/** The limiter a waiter waits in: where it is abandoned and leaves. */
	interface Owner {

		/** Under the limiter's lock: decides an abandon and leaves at once. */
		boolean abandon(Waiter waiter);

		/** An abandoned waiter leaves at once. */
		void leave(Waiter waiter);

	}

	private final Owner limiter;

	/** How many permits it asks for. */
	final long permits;

	/**
	 * Guarded by the limiter's lock: the relative ticker time its grant is reserved at
	 * ({@link MultiWindowRateLimiter}), or planned at, the earliest instant it could be
	 * granted in its turn ({@link SlidingWindowRateLimiter}).
	 */
	long at;

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

	Waiter(Owner limiter, long arrival, @Nullable WorkScope scope) {
		this(limiter, arrival, 1, scope);
	}

	Waiter(Owner limiter, long arrival, long permits, @Nullable WorkScope scope) {
		super(scope);
		this.limiter = limiter;
		this.arrival = arrival;
		this.permits = permits;
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
