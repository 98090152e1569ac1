package io.lionherd.concurrency;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.LongFunction;

import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.ContextCapture;
import io.lionherd.concurrency.internal.Guard;
import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;

/**
 * The future {@code retry} returns: one attempt or one wait in flight at a time, each
 * attempt started in the caller's deadline scope and context (MDC, Micrometer context,
 * context class loader), wherever the wait or the previous attempt ended. A cancel
 * cancels what is in flight; since every step checks {@link #isDone()} after publishing
 * what it started, no attempt or wait starts after it.
 * <p>
 * The outcome is decided once, by a CAS, before it is recorded and then completes this
 * future: whoever sees the future done also sees its {@code lionherd.retry.calls} count.
 * A caller's cancel (or completion) that loses to a decided outcome completes the future
 * with that outcome itself and returns {@code false}.
 *
 * @param <T> the result type
 */
final class RetryFuture<T> extends CompletableFuture<T> {

	private static final int PENDING = 0;

	/** Decided by the retry loop: recorded, then completed. */
	private static final int DECIDED = 1;

	/** Ended by the caller (cancel, completion): nothing recorded. */
	private static final int ENDED_BY_CALLER = 2;

	private static final AtomicIntegerFieldUpdater<RetryFuture> DECISION = AtomicIntegerFieldUpdater
		.newUpdater(RetryFuture.class, "decision");

	private final AsyncCallable<T> body;

	private final RetryPolicy policy;

	private final @Nullable WorkScope scope;

	/** The deadline in ticker nanoseconds, or {@code null} outside any scope. */
	private final @Nullable Long deadline;

	private final Ticker ticker;

	/** Starts a wait of the given nanoseconds (on the timer, holding no thread). */
	private final LongFunction<CompletableFuture<Void>> sleep;

	private final @Nullable String name;

	private final RetryRecorder recorder;

	/** The caller's context, taken when the retry started. */
	private final ContextCapture.Snapshot context;

	private int attempts;

	private volatile @Nullable CompletionStage<?> inFlight;

	private volatile int decision;

	/** The decided value: written before the CAS to {@link #DECIDED}. */
	private @Nullable T decidedValue;

	/** The decided failure, if it failed: written before the CAS to {@link #DECIDED}. */
	private @Nullable Throwable decidedFailure;

	RetryFuture(AsyncCallable<T> body, RetryPolicy policy, @Nullable WorkScope scope, @Nullable Long deadline,
			Ticker ticker, LongFunction<CompletableFuture<Void>> sleep, @Nullable String name, RetryRecorder recorder,
			ContextCapture.Snapshot context) {
		this.body = body;
		this.policy = policy;
		this.scope = scope;
		this.deadline = deadline;
		this.ticker = ticker;
		this.sleep = sleep;
		this.name = name;
		this.recorder = recorder;
		this.context = context;
	}

	/**
	 * Runs attempts until one is pending, succeeds or ends the retry; attempts whose
	 * stages complete at once (and zero waits) loop here rather than recurse.
	 */
	void attempt() {
		while (!isDone() && admitted() && handle(call())) {
			// next attempt at once
		}
	}

	/** No attempt starts once the scope is cancelled or due (its cancel ends this). */
	private boolean admitted() {
		if (this.scope == null || this.scope.admits()) {
			return true;
		}
		cancel(false);
		return false;
	}

	/**
	 * Goes on from the first attempt's stage, called by the caller.
	 * @param first the stage of attempt 1
	 */
	void start(CompletionStage<T> first) {
		this.attempts = 1;
		if (handle(first)) {
			attempt();
		}
	}

	@SuppressWarnings("unchecked")
	private CompletionStage<T> call() {
		this.attempts++;
		ContextCapture.Scope restored;
		try {
			restored = this.context.restore();
		}
		catch (RuntimeException | Error ex) {
			// a context accessor is foreign code: its failure fails this attempt
			return CompletableFuture.failedFuture(ex);
		}
		WorkScope previous = (this.scope != null) ? WorkScope.install(this.scope) : null;
		try {
			return (CompletionStage<T>) Checks.notNull(this.body.call(), "stage returned by body");
		}
		catch (Throwable ex) {
			return CompletableFuture.failedFuture(ex);
		}
		finally {
			if (this.scope != null) {
				WorkScope.restore(previous);
			}
			restored.close();
		}
	}

	/**
	 * Handles an attempt's stage.
	 * @return whether to start the next attempt at once
	 */
	private boolean handle(CompletionStage<T> stage) {
		if (Stages.isCompletedNormally(stage)) {
			succeed(Stages.valueOf(stage));
			return false;
		}
		if (stage instanceof CompletableFuture<?> future && future.isDone()) {
			return failed(failureOf(future));
		}
		this.inFlight = stage;
		if (isDone()) {
			Stages.cancel(stage);
			return false;
		}
		stage.whenComplete((value, error) -> {
			if (error == null) {
				succeed(value);
			}
			else if (failed(Stages.ownFailure(error))) {
				attempt();
			}
		});
		return false;
	}

	/**
	 * After a failed attempt: ends the retry, starts the wait before the next attempt, or
	 * answers {@code true} to go on at once (a zero wait).
	 */
	private boolean failed(Throwable failure) {
		if (isDone()) {
			return false;
		}
		if (this.attempts >= this.policy.maxAttempts() || !this.policy.retries(failure)) {
			fail(failure);
			return false;
		}
		long wait = this.policy.backoffNanos(this.attempts, ThreadLocalRandom.current().nextDouble());
		Long end = this.deadline;
		if (end != null && end - this.ticker.read() - wait < 0) {
			// The wait would end after the deadline: no attempt could start in time.
			fail(failure);
			return false;
		}
		if (wait == 0) {
			return true;
		}
		CompletableFuture<Void> pause;
		WorkScope previous = WorkScope.install(this.scope);
		try {
			pause = this.sleep.apply(wait);
		}
		finally {
			WorkScope.restore(previous);
		}
		this.inFlight = pause;
		if (isDone()) {
			pause.cancel(false);
			return false;
		}
		pause.whenComplete((value, error) -> {
			if (error == null) {
				attempt();
			}
		});
		return false;
	}

	private void succeed(@Nullable T value) {
		this.inFlight = null;
		this.decidedValue = value;
		if (DECISION.compareAndSet(this, PENDING, DECIDED)) {
			record(this.attempts == 1 ? RetryRecorder.Kind.SUCCESSFUL_WITHOUT_RETRY
					: RetryRecorder.Kind.SUCCESSFUL_WITH_RETRY);
			super.complete(value);
		}
	}

	private void fail(Throwable failure) {
		this.inFlight = null;
		this.decidedFailure = failure;
		if (DECISION.compareAndSet(this, PENDING, DECIDED)) {
			record(this.attempts == 1 ? RetryRecorder.Kind.FAILED_WITHOUT_RETRY : RetryRecorder.Kind.FAILED_WITH_RETRY);
			super.completeExceptionally(failure);
		}
	}

	private void record(RetryRecorder.Kind kind) {
		String retryName = this.name;
		if (retryName != null) {
			Guard.run(() -> this.recorder.record(retryName, kind), "retry recorder", retryName);
		}
	}

	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		if (!endByCaller()) {
			return isCancelled();
		}
		boolean cancelled = super.cancel(mayInterruptIfRunning);
		cancelInFlight();
		return cancelled;
	}

	@Override
	public boolean complete(@Nullable T value) {
		if (!endByCaller()) {
			return false;
		}
		boolean completed = super.complete(value);
		cancelInFlight();
		return completed;
	}

	@Override
	public boolean completeExceptionally(Throwable ex) {
		Checks.notNull(ex, "ex");
		if (!endByCaller()) {
			return false;
		}
		boolean completed = super.completeExceptionally(ex);
		cancelInFlight();
		return completed;
	}

	/**
	 * Claims the outcome for the caller, unless the retry loop decided it first: then it
	 * is completed here (it may not be yet), so a lost cancel leaves the future done.
	 */
	private boolean endByCaller() {
		if (DECISION.compareAndSet(this, PENDING, ENDED_BY_CALLER)) {
			return true;
		}
		if (this.decision == DECIDED) {
			Throwable failure = this.decidedFailure;
			if (failure != null) {
				super.completeExceptionally(failure);
			}
			else {
				super.complete(this.decidedValue);
			}
		}
		return this.decision == ENDED_BY_CALLER && !isDone();
	}

	private void cancelInFlight() {
		CompletionStage<?> current = this.inFlight;
		if (current != null) {
			this.inFlight = null;
			Stages.cancel(current);
		}
	}

	private static Throwable failureOf(CompletableFuture<?> done) {
		try {
			done.join();
		}
		catch (RuntimeException ex) {
			return (ex instanceof java.util.concurrent.CancellationException) ? ex : Stages.ownFailure(ex);
		}
		throw new IllegalStateException("not failed");
	}

	@Override
	public <U> CompletableFuture<U> newIncompleteFuture() {
		return new CompletableFuture<>();
	}

}
