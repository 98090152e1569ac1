package io.lionherd.concurrency.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.jspecify.annotations.Nullable;

/**
 * A queued acquire of a rate limiter backend, and the future its caller holds. Shared by
 * the backends of this project; not an API.
 * <p>
 * Decided exactly once, by a CAS: granted or failed by the limiter, or abandoned by its
 * caller (cancel, completion) or its timeout. A cancel that loses to a decision completes
 * the future with that decision itself and returns {@code false}, as
 * {@link Future#cancel} promises: {@code false} only once the future is done. Outcomes
 * complete the future in the caller's deadline scope, if any, so continuations attached
 * with the non-async methods run in it too.
 */
public abstract class PermitWaiter extends CompletableFuture<Void> {

	private static final int WAITING = 0;

	private static final int GRANTED = 1;

	private static final int FAILED = 2;

	private static final int ABANDONED = 3;

	private static final VarHandle STATE;

	static {
		try {
			STATE = MethodHandles.lookup().findVarHandle(PermitWaiter.class, "state", int.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private volatile int state;

	/** Written before the CAS to {@link #FAILED}. */
	private @Nullable Throwable failure;

	private volatile @Nullable Future<?> timeout;

	private final @Nullable WorkScope scope;

	protected PermitWaiter(@Nullable WorkScope scope) {
		this.scope = scope;
	}

	/**
	 * The deadline scope of the caller, if any: its deadline cancels this wait.
	 */
	public final @Nullable WorkScope scope() {
		return this.scope;
	}

	public final boolean isWaiting() {
		return this.state == WAITING;
	}

	/**
	 * Decides a grant, if nothing decided otherwise first; {@link #grant()} completes it.
	 * @return whether it is granted
	 */
	public final boolean decideGrant() {
		return STATE.compareAndSet(this, WAITING, GRANTED);
	}

	/**
	 * Decides a failure, if nothing decided otherwise first; {@link #fail} completes it.
	 * @param ex the failure
	 * @return whether it failed
	 */
	public final boolean decideFailure(Throwable ex) {
		this.failure = ex;
		return STATE.compareAndSet(this, WAITING, FAILED);
	}

	/**
	 * Decides an abandon (its timeout), if nothing decided otherwise first.
	 * @return whether it is abandoned
	 */
	public final boolean abandon() {
		return STATE.compareAndSet(this, WAITING, ABANDONED);
	}

	/**
	 * Keeps the timeout entry, to cancel it once decided (at once if already decided).
	 * @param timer the scheduled timeout
	 */
	public final void startTimeout(Future<?> timer) {
		this.timeout = timer;
		if (this.state != WAITING) {
			timer.cancel(false);
		}
	}

	/** Completes a granted waiter with its permit. */
	public final void grant() {
		cancelTimeout();
		if (this.scope == null) {
			super.complete(null);
		}
		else {
			this.scope.run(() -> super.complete(null));
		}
	}

	/**
	 * Fails a decided or abandoned waiter.
	 * @param ex the failure
	 */
	public final void fail(Throwable ex) {
		cancelTimeout();
		if (this.scope == null) {
			super.completeExceptionally(ex);
		}
		else {
			this.scope.run(() -> super.completeExceptionally(ex));
		}
	}

	/**
	 * Called once when the caller gives up a waiting acquire (cancel, completion): the
	 * limiter takes it out of its queue or counts.
	 */
	protected abstract void abandoned();

	/**
	 * Decides an abandon by the caller ({@link #abandon()}) and, if it won, lets the
	 * limiter know ({@link #abandoned()}). A limiter that decides grants under a lock
	 * overrides this to do both under that lock: then nobody (a concurrent cancel of the
	 * same future, a grant, a gauge) sees the waiter abandoned while still queued or
	 * counted.
	 * @return whether this call abandoned it
	 */
	protected boolean abandonAndLeave() {
		if (abandon()) {
			abandoned();
			return true;
		}
		return false;
	}

	/**
	 * Gives up unless already decided.
	 * @return whether the caller may complete it
	 */
	private boolean giveUp() {
		if (abandonAndLeave()) {
			cancelTimeout();
			return true;
		}
		// Decided: its outcome may still be on the way, but a lost
		// cancel must leave it done. An abandon by the timeout
		// lets the caller's completion race the timeout's.
		int decided = this.state;
		if (decided == GRANTED) {
			grant();
			return false;
		}
		if (decided == FAILED) {
			Throwable ex = this.failure;
			fail((ex != null) ? ex : new IllegalStateException("Rate limiter permit failed"));
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
	public final boolean cancel(boolean mayInterruptIfRunning) {
		return giveUp() && super.cancel(mayInterruptIfRunning);
	}

	@Override
	public final boolean complete(@Nullable Void value) {
		return giveUp() && super.complete(value);
	}

	@Override
	public final boolean completeExceptionally(Throwable ex) {
		return giveUp() && super.completeExceptionally(ex);
	}

	@Override
	public <U> CompletableFuture<U> newIncompleteFuture() {
		return new CompletableFuture<>();
	}

}
