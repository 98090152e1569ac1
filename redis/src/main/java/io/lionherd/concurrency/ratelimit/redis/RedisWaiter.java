package io.lionherd.concurrency.ratelimit.redis;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;

/**
 * A queued acquire of a {@link RedisRateLimiter} and the future its caller holds. Decided
 * exactly once, by a CAS on {@link #state}: granted (a permit Redis gave), failed by the
 * backend, or abandoned by its caller (cancel, completion) or its timeout. A cancel that
 * loses to a grant completes the future normally, as {@link Future#cancel} promises
 * ({@code false} only once done); an abandoned waiter's permit goes to the next waiter or
 * back to Redis.
 */
final class RedisWaiter extends CompletableFuture<Void> {

	private static final int WAITING = 0;

	private static final int GRANTED = 1;

	private static final int FAILED = 2;

	private static final int ABANDONED = 3;

	private static final VarHandle STATE;

	static {
		try {
			STATE = MethodHandles.lookup().findVarHandle(RedisWaiter.class, "state", int.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final RedisRateLimiter limiter;

	/** {@code System.nanoTime()} of the acquire. */
	final long arrival;

	private volatile int state;

	/** Written before the CAS to {@link #FAILED}. */
	private @Nullable Throwable failure;

	private volatile @Nullable Future<?> timeout;

	/**
	 * The deadline scope of the caller, if any: the deadline cancels this wait, and its
	 * outcome completes this future in the scope, as the in-memory limiter does.
	 */
	final @Nullable WorkScope scope;

	RedisWaiter(RedisRateLimiter limiter, long arrival, @Nullable WorkScope scope) {
		this.limiter = limiter;
		this.arrival = arrival;
		this.scope = scope;
	}

	boolean isWaiting() {
		return this.state == WAITING;
	}

	/** Decides a grant, if nothing decided otherwise first. */
	boolean decideGrant() {
		return STATE.compareAndSet(this, WAITING, GRANTED);
	}

	/** Decides a failure, if nothing decided otherwise first. */
	boolean decideFailure(Throwable ex) {
		this.failure = ex;
		return STATE.compareAndSet(this, WAITING, FAILED);
	}

	boolean abandon() {
		return STATE.compareAndSet(this, WAITING, ABANDONED);
	}

	void startTimeout(Future<?> timer) {
		this.timeout = timer;
		if (this.state != WAITING) {
			timer.cancel(false);
		}
	}

	/** Completes a decided waiter with its permit. */
	void grant() {
		cancelTimeout();
		if (this.scope == null) {
			super.complete(null);
		}
		else {
			this.scope.run(() -> super.complete(null));
		}
	}

	/** Fails a decided or abandoned waiter. */
	void fail(@Nullable Throwable ex) {
		cancelTimeout();
		Throwable failure = (ex != null) ? ex : new IllegalStateException("Failed");
		if (this.scope == null) {
			super.completeExceptionally(failure);
		}
		else {
			this.scope.run(() -> super.completeExceptionally(failure));
		}
	}

	private boolean giveUp() {
		if (abandon()) {
			cancelTimeout();
			this.limiter.abandoned(this);
			return true;
		}
		// Decided: its outcome is on the way, but a lost cancel must leave it done.
		int decided = this.state;
		if (decided == GRANTED) {
			grant();
		}
		else if (decided == FAILED) {
			fail(this.failure);
		}
		return false;
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
