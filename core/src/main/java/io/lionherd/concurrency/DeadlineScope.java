package io.lionherd.concurrency;

import java.time.Duration;
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
import java.util.function.BiConsumer;

import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;

/**
 * One {@code failAfter} / {@code moveOnAfter} scope: the work enrolled in it while it is
 * open, its deadline's timer entry and the future it answers with. Whichever comes first
 * ends it: the body's stage (the timer entry is cancelled and the work still pending
 * passes to the enclosing scope), the deadline (the work is cancelled, the result times
 * out) or a cancel of the result (the work is cancelled).
 * <p>
 * Nested scopes only shorten a deadline: a scope arms no timer while an enclosing scope's
 * deadline comes no later than its own (that scope cancels this one), and arms it when
 * that no longer holds because the enclosing scope ended in time. The result completes
 * with the enclosing scope current, never this one.
 */
final class DeadlineScope extends WorkScope implements Runnable, BiConsumer<Object, Throwable> {

	private static final int OPEN = 0;

	/** The body's stage completed first. */
	private static final int DONE = 1;

	/** The deadline passed, or the result was cancelled: the work is cancelled. */
	private static final int CANCELLED = 2;

	private static final AtomicIntegerFieldUpdater<DeadlineScope> STATE = AtomicIntegerFieldUpdater
		.newUpdater(DeadlineScope.class, "state");

	private static final AtomicIntegerFieldUpdater<DeadlineScope> ARMED = AtomicIntegerFieldUpdater
		.newUpdater(DeadlineScope.class, "armed");

	private static final AtomicReferenceFieldUpdater<DeadlineScope, Set> WORK = AtomicReferenceFieldUpdater
		.newUpdater(DeadlineScope.class, Set.class, "work");

	/** {@link WorkScope.Frame#flags}: {@code moveOnAfter}/{@code moveOnAt}. */
	static final int MOVE_ON = 1;

	/** {@link WorkScope.Frame#flags}: the deadline had passed when the scope opened. */
	static final int EXPIRED = 2;

	/** This scope's own deadline in ticker nanoseconds. */
	private final long own;

	/** The scope current when this one was opened. */
	private final @Nullable WorkScope parent;

	private final boolean moveOn;

	/** The timeout asked for in nanoseconds; for the message. */
	private final long nanos;

	/**
	 * The absolute deadline asked for in seconds, or NaN for a timeout; for the message.
	 */
	private final double absolute;

	private final Ticker ticker;

	private final DelayScheduler scheduler;

	private final Executor executor;

	/** The work enrolled and not yet done; created on the first enrolment. */
	private volatile @Nullable Set<CompletionStage<?>> work;

	/** The body's stage while the scope is open. */
	private volatile @Nullable CompletionStage<?> body;

	private final Result result = new Result();

	private volatile int state;

	/** Set once the timer entry is claimed, so that it is armed at most once. */
	private volatile int armed;

	private volatile @Nullable Future<?> timer;

	/**
	 * Whether anything was enrolled; read by the thread that ran the body, after it, for
	 * a scope that expired before its body ran.
	 */
	private boolean started;

	/** The deadline had passed when the scope opened; the body's stage decides after. */
	private boolean expiredAtStart;

	DeadlineScope(@Nullable WorkScope parent, long own, boolean moveOn, long nanos, double absolute, Ticker ticker,
			DelayScheduler scheduler, Executor executor) {
		this.parent = parent;
		this.own = own;
		this.moveOn = moveOn;
		this.nanos = nanos;
		this.absolute = absolute;
		this.ticker = ticker;
		this.scheduler = scheduler;
		this.executor = executor;
	}

	/** The timeout's message, built only when it is needed. */
	private String description() {
		return Double.isNaN(this.absolute) ? "Deadline scope timed out after " + Duration.ofNanos(this.nanos)
				: "Deadline scope reached its deadline " + this.absolute;
	}

	/**
	 * Opens a scope: enrols its result in the enclosing scope, whose deadline or cancel
	 * ends it too.
	 */
	static DeadlineScope open(@Nullable WorkScope parent, long own, int flags, long nanos, double absolute,
			Ticker ticker, DelayScheduler scheduler, Executor executor) {
		DeadlineScope scope = new DeadlineScope(parent, own, (flags & MOVE_ON) != 0, nanos, absolute, ticker, scheduler,
				executor);
		if (parent != null) {
			parent.register(scope.result);
		}
		if ((flags & EXPIRED) != 0) {
			// Already due: nothing the body starts may run.
			scope.expire();
		}
		return scope;
	}

	@SuppressWarnings("unchecked")
	<R> CompletableFuture<R> result() {
		return (CompletableFuture<R>) this.result;
	}

	/**
	 * Cancels the scope before its body runs: its deadline has already passed, so nothing
	 * the body starts may run.
	 */
	private void expire() {
		this.expiredAtStart = true;
		this.state = CANCELLED;
	}

	/** The nearest deadline of this scope and the scopes that cover it. */
	long deadline() {
		long nearest = this.own;
		for (WorkScope scope = enclosing(); scope instanceof DeadlineScope enclosing; scope = enclosing.enclosing()) {
			if (enclosing.own - nearest < 0) {
				nearest = enclosing.own;
			}
		}
		return nearest;
	}

	@Override
	public long remainingNanos() {
		return deadline() - this.ticker.read();
	}

	/** The scope answering for this one's enclosing scope now, if any. */
	private @Nullable WorkScope enclosing() {
		WorkScope enclosing = this.parent;
		return (enclosing != null) ? enclosing.live() : null;
	}

	/** Whether an enclosing scope's deadline comes no later than this one's. */
	private boolean coveredByEnclosing() {
		for (WorkScope scope = enclosing(); scope instanceof DeadlineScope enclosing; scope = enclosing.enclosing()) {
			if (enclosing.own - this.own <= 0) {
				return true;
			}
		}
		return false;
	}

	@Override
	public @Nullable WorkScope live() {
		return (this.state != DONE) ? this : enclosing();
	}

	@Override
	public boolean admits() {
		Ticker read = null;
		long now = 0;
		WorkScope scope = live();
		while (scope instanceof DeadlineScope deadlineScope) {
			if (deadlineScope.state == CANCELLED) {
				return false;
			}
			if (deadlineScope.ticker != read) {
				read = deadlineScope.ticker;
				now = read.read();
			}
			if (now - deadlineScope.own >= 0) {
				// Due, and its timer has not fired yet.
				deadlineScope.fire();
				return false;
			}
			scope = deadlineScope.enclosing();
		}
		return scope == null || scope.admits();
	}

	@Override
	public void register(CompletionStage<?> stage) {
		this.started = true;
		WorkScope live = live();
		if (live != this) {
			if (live != null) {
				live.register(stage);
			}
			return;
		}
		if (!admits()) {
			Stages.cancel(stage);
			return;
		}
		Set<CompletionStage<?>> enrolled = workSet();
		enrolled.add(stage);
		int current = this.state;
		if (current == OPEN) {
			stage.whenComplete((value, error) -> enrolled.remove(stage));
			return;
		}
		enrolled.remove(stage);
		if (current == DONE) {
			handOver(stage);
		}
		else {
			Stages.cancel(stage);
		}
	}

	@SuppressWarnings("unchecked")
	private Set<CompletionStage<?>> workSet() {
		Set<CompletionStage<?>> enrolled = this.work;
		if (enrolled == null) {
			WORK.compareAndSet(this, null, ConcurrentHashMap.newKeySet());
			enrolled = this.work;
			if (enrolled == null) {
				// Ended meanwhile: a set of its own, which the caller sees ended.
				enrolled = ConcurrentHashMap.newKeySet();
			}
		}
		return enrolled;
	}

	/**
	 * Passes work that outlives this scope (which ended in time) to the enclosing scope,
	 * whose deadline still applies; a nested scope among it may now need its own timer.
	 */
	private void handOver(CompletionStage<?> stage) {
		WorkScope enclosing = enclosing();
		if (enclosing != null) {
			enclosing.register(stage);
		}
		if (stage instanceof Result nested) {
			nested.scope().uncovered();
		}
	}

	/**
	 * An enclosing scope ended in time: arms this scope's timer if no enclosing deadline
	 * covers it any more, and tells its own nested scopes.
	 */
	private void uncovered() {
		if (this.state != OPEN) {
			return;
		}
		if (!coveredByEnclosing()) {
			armTimer();
		}
		Set<CompletionStage<?>> enrolled = this.work;
		if (enrolled != null) {
			for (CompletionStage<?> stage : enrolled) {
				if (stage instanceof Result nested) {
					nested.scope().uncovered();
				}
			}
		}
	}

	/**
	 * Watches the body's stage, and arms the timer unless the stage is already complete
	 * or an enclosing scope's deadline comes first (that scope cancels this one).
	 */
	void watch(CompletionStage<?> stage) {
		if (this.expiredAtStart) {
			settleExpired(stage);
			return;
		}
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
		stage.whenComplete(this);
		if (this.state == OPEN && !coveredByEnclosing()) {
			armTimer();
		}
	}

	/**
	 * A scope that expired before its body ran keeps the body's outcome only if the body
	 * returned a completed stage without starting work; otherwise it times out.
	 */
	private void settleExpired(CompletionStage<?> stage) {
		if (!this.started && Stages.isDone(stage)) {
			stage.whenComplete(this::settle);
			return;
		}
		Stages.cancel(stage);
		timeOut();
	}

	private void armTimer() {
		if (this.state != OPEN || !ARMED.compareAndSet(this, 0, 1)) {
			return;
		}
		long remainingNanos = this.own - this.ticker.read();
		if (remainingNanos <= 0) {
			fire();
			return;
		}
		Future<?> entry = this.scheduler.schedule(this.executor, this, remainingNanos, TimeUnit.NANOSECONDS);
		this.timer = entry;
		if (this.state != OPEN) {
			entry.cancel(false);
			this.timer = null;
		}
	}

	/** The body's stage completed. */
	@Override
	public void accept(@Nullable Object value, @Nullable Throwable error) {
		finish(value, error);
	}

	/** The timer entry is due. */
	@Override
	public void run() {
		fire();
	}

	private void finish(@Nullable Object value, @Nullable Throwable error) {
		if (!STATE.compareAndSet(this, OPEN, DONE)) {
			return;
		}
		cancelTimer();
		this.body = null;
		Set<CompletionStage<?>> enrolled = this.work;
		this.work = null;
		if (enrolled != null) {
			for (CompletionStage<?> stage : enrolled) {
				handOver(stage);
			}
		}
		settle(value, error);
	}

	/** Completes the result, with the enclosing scope current for its continuations. */
	private void settle(@Nullable Object value, @Nullable Throwable error) {
		WorkScope previous = WorkScope.install(enclosing());
		try {
			if (error != null) {
				this.result.fail(Stages.ownFailure(error));
			}
			else {
				this.result.succeed(this.moveOn ? Optional.ofNullable(value) : value);
			}
		}
		finally {
			WorkScope.restore(previous);
		}
	}

	/** The deadline: cancels the work, then times the result out. */
	void fire() {
		if (cancelWork()) {
			timeOut();
		}
	}

	private void timeOut() {
		if (this.moveOn) {
			settle(null, null);
		}
		else {
			settle(null, new TimeoutException(description()));
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
		if (pending.length > 0) {
			// Continuations of the cancelled work run in this scope: what they start is
			// cancelled at once.
			WorkScope previous = WorkScope.install(this);
			try {
				Stages.cancelAll(pending);
			}
			finally {
				WorkScope.restore(previous);
			}
		}
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

	/**
	 * Makes the object of a scope deferred on a thread's {@link WorkScope.Frame}, when
	 * its body first needs it.
	 */
	static final class Opener implements WorkScope.Opener {

		private final Ticker ticker;

		private final DelayScheduler scheduler;

		private final Executor executor;

		Opener(Ticker ticker, DelayScheduler scheduler, Executor executor) {
			this.ticker = ticker;
			this.scheduler = scheduler;
			this.executor = executor;
		}

		@Override
		public WorkScope open(WorkScope.Frame frame, @Nullable WorkScope parent) {
			return open(parent, frame.deadline, frame.flags, frame.nanos, frame.absolute);
		}

		DeadlineScope open(@Nullable WorkScope parent, long own, int flags, long nanos, double absolute) {
			return DeadlineScope.open(parent, own, flags, nanos, absolute, this.ticker, this.scheduler, this.executor);
		}

	}

	/** The scope's future: cancelling it cancels the scope's work. */
	private final class Result extends CompletableFuture<Object> {

		DeadlineScope scope() {
			return DeadlineScope.this;
		}

		void succeed(@Nullable Object value) {
			super.complete(value);
		}

		void fail(Throwable error) {
			super.completeExceptionally(error);
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			cancelWork();
			WorkScope previous = WorkScope.install(enclosing());
			try {
				return super.cancel(mayInterruptIfRunning);
			}
			finally {
				WorkScope.restore(previous);
			}
		}

		@Override
		public boolean complete(@Nullable Object value) {
			cancelWork();
			WorkScope previous = WorkScope.install(enclosing());
			try {
				return super.complete(value);
			}
			finally {
				WorkScope.restore(previous);
			}
		}

		@Override
		public boolean completeExceptionally(Throwable ex) {
			cancelWork();
			WorkScope previous = WorkScope.install(enclosing());
			try {
				return super.completeExceptionally(ex);
			}
			finally {
				WorkScope.restore(previous);
			}
		}

		@Override
		public <U> CompletableFuture<U> newIncompleteFuture() {
			return new CompletableFuture<>();
		}

	}

}
