package io.lionherd.concurrency;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.jspecify.annotations.Nullable;

/**
 * The future {@code gather} and {@code gatherSettled} return. Inputs already complete are read
 * directly (no callback, no allocation); the rest report back through one callback each. Ending
 * this future in any way other than success cancels every input still running.
 *
 * @param <R> the element type of the result list
 */
final class GatherFuture<R> extends CompletableFuture<List<R>> {

	private static final AtomicIntegerFieldUpdater<GatherFuture> REMAINING = AtomicIntegerFieldUpdater
		.newUpdater(GatherFuture.class, "remaining");

	private final CompletionStage<?>[] inputs;

	private final @Nullable Object[] results;

	private final boolean settled;

	private volatile int remaining;

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
		for (int i = 0; i < inputs.length && !gather.isDone(); i++) {
			gather.watch(i);
		}
		return gather;
	}

	private void watch(int index) {
		CompletionStage<?> input = this.inputs[index];
		if (input instanceof CompletableFuture<?> future && future.isDone() && !future.isCompletedExceptionally()) {
			onValue(index, future.join());
		}
		else {
			input.whenComplete((value, error) -> {
				if (error == null) {
					onValue(index, value);
				}
				else {
					onError(index, unwrap(error));
				}
			});
		}
	}

	private void onValue(int index, @Nullable Object value) {
		this.results[index] = this.settled ? new Outcome.Success<>(value) : value;
		arrived();
	}

	private void onError(int index, Throwable error) {
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
			complete((List<R>) Collections.unmodifiableList(Arrays.asList(this.results)));
		}
	}

	@Override
	public boolean completeExceptionally(Throwable ex) {
		boolean completed = super.completeExceptionally(ex);
		if (completed) {
			cancelInputs();
		}
		return completed;
	}

	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		boolean cancelled = super.cancel(mayInterruptIfRunning);
		if (cancelled) {
			cancelInputs();
		}
		return cancelled;
	}

	private void cancelInputs() {
		for (CompletionStage<?> input : this.inputs) {
			if (input instanceof Future<?> future) {
				future.cancel(true);
			}
			else {
				try {
					input.toCompletableFuture().cancel(true);
				}
				catch (UnsupportedOperationException ex) {
					// A stage that cannot be converted cannot be cancelled either.
				}
			}
		}
	}

	@Override
	public <U> CompletableFuture<U> newIncompleteFuture() {
		return new CompletableFuture<>();
	}

	static Throwable unwrap(Throwable error) {
		Throwable cause = error.getCause();
		return (error instanceof CompletionException && cause != null) ? cause : error;
	}

}
