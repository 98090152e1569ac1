package io.lionherd.concurrency;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;

/**
 * One {@code failAfter} / {@code moveOnAfter} scope: the work enrolled in it while it is
 * open, its deadline's timer entry and the future it answers with. Whichever comes first
 * ends it: the body's stage (the timer entry is cancelled and the work forgotten), the
 * deadline (the work is cancelled, the result times out) or a cancel of the result (the
 * work is cancelled).
 */
final class DeadlineScope extends WorkScope {

	private static final int OPEN = 0;

	/** The body's stage completed first. */
	private static final int DONE = 1;

	/** The deadline passed, or the result was cancelled: the work is cancelled. */
	private static final int CANCELLED = 2;

	private static final AtomicIntegerFieldUpdater<DeadlineScope> STATE = AtomicIntegerFieldUpdater
		.newUpdater(DeadlineScope.class, "state");

	/** The effective deadline in ticker nanoseconds: never later than the parent's. */
	final long deadline;

	private final boolean moveOn;

	/**
	 * The timeout ({@link java.time.Duration}) or absolute deadline ({@code Double})
	 * asked for.
	 */
	private final Object asked;

	private static final AtomicReferenceFieldUpdater<DeadlineScope, Set> WORK = AtomicReferenceFieldUpdater
		.newUpdater(DeadlineScope.class, Set.class, "work");

	/** The work enrolled and not yet done; created on the first enrolment. */
	private volatile @Nullable Set<CompletionStage<?>> work;

	/** The body's stage while the scope is open. */
	private volatile @Nullable CompletionStage<?> body;

	private final Result result = new Result();

	private volatile int state;

	private volatile @Nullable Future<?> timer;

	DeadlineScope(long deadline, boolean moveOn, Object asked) {
		this.deadline = deadline;
		this.moveOn = moveOn;
		this.asked = asked;
	}

	/** The timeout's message, built only when it is needed. */
	private String description() {
		return (this.asked instanceof Double absolute) ? "Deadline scope reached its deadline " + absolute
				: "Deadline scope timed out after " + this.asked;
	}

	@SuppressWarnings("unchecked")
	<R> CompletableFuture<R> result() {
		return (CompletableFuture<R>) this.result;
	}

	boolean isOpen() {
		return this.state == OPEN;
	}

	@Override
	public void register(CompletionStage<?> stage) {
		int current = this.state;
		if (current == DONE) {
			return;
		}
		if (current == OPEN) {
			Set<CompletionStage<?>> enrolled = workSet();
			enrolled.add(stage);
			if (this.state == OPEN) {
				stage.whenComplete((value, error) -> enrolled.remove(stage));
				return;
			}
			enrolled.remove(stage);
			if (this.state == DONE) {
				return;
			}
		}
		Stages.cancel(stage);
	}

	@SuppressWarnings("unchecked")
	private Set<CompletionStage<?>> workSet() {
		Set<CompletionStage<?>> enrolled = this.work;
		if (enrolled == null) {
			WORK.compareAndSet(this, null, ConcurrentHashMap.newKeySet());
			enrolled = this.work;
		}
		return enrolled;
	}

	/**
	 * Watches the body's stage, and arms the timer unless the stage is already complete
	 * or an enclosing scope's deadline comes first (that scope cancels this one).
	 */
	void watch(CompletionStage<?> stage, DelayScheduler scheduler, Executor executor, Ticker ticker, long own,
			boolean ownTimer) {
		if (Stages.isCompletedNormally(stage)) {
			finish(Stages.valueOf(stage), null);
			return;
		}
		this.body = stage;
		if (this.state == CANCELLED) {
			// Cancelled (by an enclosing scope) while the body ran.
			this.body = null;
			Stages.cancel(stage);
			return;
		}
		stage.whenComplete(this::finish);
		if (!ownTimer || this.state != OPEN) {
			return;
		}
		long remainingNanos = own - ticker.read();
		if (remainingNanos <= 0) {
			fire();
			return;
		}
		Future<?> entry = scheduler.schedule(executor, this::fire, remainingNanos, TimeUnit.NANOSECONDS);
		this.timer = entry;
		if (this.state != OPEN) {
			entry.cancel(false);
			this.timer = null;
		}
	}

	private void finish(@Nullable Object value, @Nullable Throwable error) {
		if (!STATE.compareAndSet(this, OPEN, DONE)) {
			return;
		}
		cancelTimer();
		this.body = null;
		this.work = null;
		if (error != null) {
			this.result.fail(Stages.unwrap(error));
		}
		else {
			this.result.succeed(this.moveOn ? Optional.ofNullable(value) : value);
		}
	}

	/** The deadline: cancels the work, then times the result out. */
	void fire() {
		if (!cancelWork()) {
			return;
		}
		if (this.moveOn) {
			this.result.succeed(Optional.empty());
		}
		else {
			this.result.fail(new TimeoutException(description()));
		}
	}

	private boolean cancelWork() {
		if (!STATE.compareAndSet(this, OPEN, CANCELLED)) {
			return false;
		}
		cancelTimer();
		Set<CompletionStage<?>> enrolled = this.work;
		CompletionStage<?> stage = this.body;
		this.work = null;
		this.body = null;
		CompletionStage<?>[] pending = (enrolled != null) ? enrolled.toArray(new CompletionStage<?>[0])
				: new CompletionStage<?>[0];
		if (stage != null) {
			pending = Arrays.copyOf(pending, pending.length + 1);
			pending[pending.length - 1] = stage;
		}
		Stages.cancelAll(pending);
		return true;
	}

	private void cancelTimer() {
		Future<?> entry = this.timer;
		if (entry != null) {
			this.timer = null;
			entry.cancel(false);
		}
	}

	/** Pending work enrolled now; for tests. */
	int pendingWork() {
		Set<CompletionStage<?>> enrolled = this.work;
		return (enrolled != null) ? enrolled.size() : 0;
	}

	@Override
	public String toString() {
		return "DeadlineScope[" + description() + ", state=" + this.state + ", work=" + pendingWork() + "]";
	}

	/** The scope's future: cancelling it cancels the scope's work. */
	private final class Result extends CompletableFuture<Object> {

		void succeed(@Nullable Object value) {
			super.complete(value);
		}

		void fail(Throwable error) {
			super.completeExceptionally(error);
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			cancelWork();
			return super.cancel(mayInterruptIfRunning);
		}

		@Override
		public boolean complete(@Nullable Object value) {
			cancelWork();
			return super.complete(value);
		}

		@Override
		public boolean completeExceptionally(Throwable ex) {
			cancelWork();
			return super.completeExceptionally(ex);
		}

		@Override
		public <U> CompletableFuture<U> newIncompleteFuture() {
			return new CompletableFuture<>();
		}

	}

}
