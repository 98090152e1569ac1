package io.lionherd.concurrency;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BooleanSupplier;

import io.lionherd.concurrency.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * A future of one result per input, in input order: what {@link GatherFuture} and
 * {@link BoundedMapFuture} share. Fail-fast, the first failure ends it with that
 * failure's own exception; settled, each input gives an {@link Outcome} and it never
 * fails because an input did. Ending it early in any way (failure, cancel, a caller's
 * completion) cancels the inputs still running before it completes, so whoever sees it
 * end also sees them cancelled; input results that arrive from then on are ignored.
 *
 * @param <R> the element type of the result list
 */
abstract class ResultListFuture<R> extends CompletableFuture<List<R>> {

	private static final AtomicIntegerFieldUpdater<ResultListFuture> REMAINING = AtomicIntegerFieldUpdater
		.newUpdater(ResultListFuture.class, "remaining");

	private static final AtomicIntegerFieldUpdater<ResultListFuture> ENDING = AtomicIntegerFieldUpdater
		.newUpdater(ResultListFuture.class, "ending");

	private final @Nullable Object[] results;

	private final boolean settled;

	private volatile int remaining;

	/** Set once this future is being ended early. */
	private volatile int ending;

	ResultListFuture(int size, boolean settled) {
		this.results = new Object[size];
		this.settled = settled;
		this.remaining = size;
	}

	/**
	 * Whether this future is being ended early: no input should start any more.
	 */
	final boolean isEnding() {
		return this.ending != 0;
	}

	final void onValue(int index, @Nullable Object value) {
		if (isEnding()) {
			return;
		}
		this.results[index] = this.settled ? new Outcome.Success<>(value) : value;
		arrived();
	}

	final void onError(int index, Throwable error) {
		if (isEnding()) {
			return;
		}
		if (this.settled) {
			this.results[index] = new Outcome.Failure<>(error);
			arrived();
		}
		else {
			completeExceptionally(error);
		}
	}

	@SuppressWarnings("unchecked")
	private void arrived() {
		if (REMAINING.decrementAndGet(this) == 0) {
			if (!isEnding()) {
				super.complete((List<R>) Collections.unmodifiableList(Arrays.asList(this.results)));
			}
			return;
		}
		arrivedWithMoreToCome();
	}

	/**
	 * Called after an input's result arrived while others remain.
	 */
	void arrivedWithMoreToCome() {
	}

	/**
	 * Cancels the inputs still running ({@link Stages#cancelAll}: every queued task is
	 * dequeued and marked cancelled before any worker is interrupted, so none starts).
	 */
	abstract void cancelInputs();

	@Override
	public final boolean complete(@Nullable List<R> value) {
		return endEarly(() -> super.complete(value));
	}

	@Override
	public final boolean completeExceptionally(Throwable ex) {
		Checks.notNull(ex, "ex");
		return endEarly(() -> super.completeExceptionally(ex));
	}

	@Override
	public final boolean cancel(boolean mayInterruptIfRunning) {
		return endEarly(() -> super.cancel(mayInterruptIfRunning));
	}

	/**
	 * Ends this future early, unless it is done or already ending: cancels the inputs,
	 * then completes it with {@code completion} whatever cancelling did (a foreign
	 * {@code cancel} may throw).
	 */
	private boolean endEarly(BooleanSupplier completion) {
		if (!claimEarlyEnd()) {
			return false;
		}
		boolean completed = false;
		try {
			cancelInputs();
		}
		finally {
			completed = completion.getAsBoolean();
		}
		return completed;
	}

	/**
	 * Claims the early end, so that the first failure (or the cancel) is what this future
	 * completes with.
	 */
	private boolean claimEarlyEnd() {
		return !isDone() && ENDING.compareAndSet(this, 0, 1);
	}

	@Override
	public <U> CompletableFuture<U> newIncompleteFuture() {
		return new CompletableFuture<>();
	}

}
