package io.lionherd.concurrency.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;

/**
 * A queued acquire of a {@link SlidingWindowRateLimiter}, and the future its caller
 * holds. Decided exactly once, by a CAS on {@link #state}: granted by the limiter or
 * abandoned by its caller (cancel, completion) or its timeout. A cancel that loses to a
 * grant completes the future normally itself and returns {@code false}, as
 * {@link Future#cancel} promises: {@code false} only once the future is done.
 */
final class Waiter extends CompletableFuture<Void> {

	private static final int WAITING = 0;

	private static final int GRANTED = 1;

	private static final int ABANDONED = 2;

	private static final VarHandle STATE;

	static {
		try {
			STATE = MethodHandles.lookup().findVarHandle(Waiter.class, "state", int.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

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

	private volatile int state;

	private volatile @Nullable Future<?> timeout;

	/**
	 * The deadline scope of the caller, if any: the grant completes this future in it, so
	 * continuations attached with the non-async methods run in it too.
	 */
	final @Nullable WorkScope scope;

	Waiter(SlidingWindowRateLimiter limiter, long arrival, @Nullable WorkScope scope) {
		this.limiter = limiter;
		this.arrival = arrival;
		this.scope = scope;
	}

	boolean isWaiting() {
		return this.state == WAITING;
	}

	/**
	 * Decides the grant, if nothing decided otherwise first.
	 * @param now the relative ticker time of the grant
	 * @return whether it is granted
	 */
	boolean markGranted(long now) {
		this.grantedAt = now;
		return STATE.compareAndSet(this, WAITING, GRANTED);
	}

	boolean abandon() {
		return STATE.compareAndSet(this, WAITING, ABANDONED);
	}

	/**
	 * Keeps the timeout entry, to cancel it once decided (at once if already decided).
	 */
	void startTimeout(Future<?> timer) {
		this.timeout = timer;
		if (this.state != WAITING) {
			timer.cancel(false);
		}
	}

	/** Completes a granted waiter. */
	void grant() {
		cancelTimeout();
		if (this.scope == null) {
			super.complete(null);
		}
		else {
			this.scope.run(() -> super.complete(null));
		}
	}

	/** Fails an abandoned waiter (its timeout). */
	void fail(Throwable ex) {
		if (this.scope == null) {
			super.completeExceptionally(ex);
		}
		else {
			this.scope.run(() -> super.completeExceptionally(ex));
		}
	}

	/**
	 * Leaves the queue unless already granted.
	 * @return whether the caller may complete it
	 */
	private boolean giveUp() {
		if (abandon()) {
			this.limiter.leave(this);
			cancelTimeout();
			return true;
		}
		if (this.state == GRANTED) {
			// The grant won the race: its permit is spent, so the future completes
			// normally,
			// here if its wake-up has not got to it yet. Refusing the cancel while
			// leaving it
			// incomplete would break Future.cancel (false only once done).
			grant();
			return false;
		}
		return true;
	}

	private void cancelTimeout() {
		Future<?> timer = this.timeout;
		if (timer != null) {
			timer.cancel(false);
		}
	}

	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		return giveUp() && super.cancel(mayInterruptIfRunning);
	}

	@Override
	public boolean complete(@Nullable Void value) {
		return giveUp() && super.complete(value);
	}

	@Override
	public boolean completeExceptionally(Throwable ex) {
		return giveUp() && super.completeExceptionally(ex);
	}

	@Override
	public <U> CompletableFuture<U> newIncompleteFuture() {
		return new CompletableFuture<>();
	}

}
