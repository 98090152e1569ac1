package io.lionherd.concurrency;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import io.lionherd.concurrency.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * The future {@code gather} and {@code gatherSettled} return. Inputs already complete are
 * read directly (no callback, no allocation); the rest report back through one callback
 * each. Ending this future in any way other than success cancels every input still
 * running, before this future completes: whoever sees it fail or cancelled also sees the
 * inputs cancelled, and no queued {@code runSync} input starts afterwards.
 *
 * @param <R> the element type of the result list
 */
final class GatherFuture<R> extends CompletableFuture<List<R>> {

	private static final AtomicIntegerFieldUpdater<GatherFuture> REMAINING = AtomicIntegerFieldUpdater
		.newUpdater(GatherFuture.class, "remaining");

	private static final AtomicIntegerFieldUpdater<GatherFuture> ENDING = AtomicIntegerFieldUpdater
		.newUpdater(GatherFuture.class, "ending");

	private final CompletionStage<?>[] inputs;

	private final @Nullable Object[] results;

	private final boolean settled;

	private volatile int remaining;

	/** Set once this future is being ended early: late input results are then ignored. */
	private volatile int ending;

	private GatherFuture(CompletionStage<?>[] inputs, boolean settled) {
		this.inputs = inputs;
		this.results = new Object[inputs.length];
		this.settled = settled;
		this.remaining = inputs.length;
	}

	/** Fail-fast: the first failure ends the whole with that failure's own exception. */
	static <T> CompletableFuture<List<T>> all(Collection<? extends CompletionStage<? extends T>> stages) {
		return start(stages, false);
	}

	/** Settled: one {@link Outcome} per input, never failing because an input did. */
	static <T> CompletableFuture<List<Outcome<T>>> settled(Collection<? extends CompletionStage<? extends T>> stages) {
		return start(stages, true);
	}

	private static <R> CompletableFuture<List<R>> start(Collection<? extends CompletionStage<?>> stages,
			boolean settled) {
		CompletionStage<?>[] inputs = Checks.notNull(stages, "stages").toArray(new CompletionStage<?>[0]);
		for (int i = 0; i < inputs.length; i++) {
			if (inputs[i] == null) {
				throw new NullPointerException("stages must not contain null, but element " + i + " is null");
			}
		}
		if (inputs.length == 0) {
			return CompletableFuture.completedFuture(List.of());
		}
		GatherFuture<R> gather = new GatherFuture<>(inputs, settled);
		for (int i = 0; i < inputs.length && gather.ending == 0; i++) {
			gather.watch(i);
		}
		return gather;
	}

	private void watch(int index) {
		CompletionStage<?> input = this.inputs[index];
		if (Stages.isCompletedNormally(input)) {
			onValue(index, Stages.valueOf(input));
		}
		else {
			input.whenComplete((value, error) -> {
				if (error == null) {
					onValue(index, value);
				}
				else {
					onError(index, Stages.unwrap(error));
				}
			});
		}
	}

	private void onValue(int index, @Nullable Object value) {
		if (this.ending != 0) {
			return;
		}
		this.results[index] = this.settled ? new Outcome.Success<>(value) : value;
		arrived();
	}

	private void onError(int index, Throwable error) {
		if (this.ending != 0) {
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
		if (REMAINING.decrementAndGet(this) == 0 && this.ending == 0) {
			complete((List<R>) Collections.unmodifiableList(Arrays.asList(this.results)));
		}
	}

	@Override
	public boolean completeExceptionally(Throwable ex) {
		Checks.notNull(ex, "ex");
		if (!claimEarlyEnd()) {
			return false;
		}
		boolean completed;
		try {
			Stages.cancelAll(this.inputs);
		}
		finally {
			completed = super.completeExceptionally(ex);
		}
		return completed;
	}

	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		if (!claimEarlyEnd()) {
			return false;
		}
		boolean cancelled;
		try {
			Stages.cancelAll(this.inputs);
		}
		finally {
			cancelled = super.cancel(mayInterruptIfRunning);
		}
		return cancelled;
	}

	/**
	 * Claims the early end: the input results and cancellations that arrive from then on
	 * are ignored, so the first failure (or the cancel) is what this future completes
	 * with. The caller then cancels the inputs ({@link Stages#cancelAll}: every queued
	 * task is dequeued and marked cancelled before any worker is interrupted, so none
	 * starts) and completes this future whatever cancelling did (a foreign {@code cancel}
	 * may throw).
	 */
	private boolean claimEarlyEnd() {
		return !isDone() && ENDING.compareAndSet(this, 0, 1);
	}

	@Override
	public <U> CompletableFuture<U> newIncompleteFuture() {
		return new CompletableFuture<>();
	}

}
