package io.lionherd.concurrency;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.lionherd.concurrency.internal.Checks;

/**
 * The future {@code gather} and {@code gatherSettled} return. Inputs already complete are
 * read directly (no callback, no allocation); the rest report back through one callback
 * each. Ending this future in any way other than success cancels every input still
 * running, before this future completes (see {@link ResultListFuture}): no queued
 * {@code runSync} input starts afterwards.
 *
 * @param <R> the element type of the result list
 */
final class GatherFuture<R> extends ResultListFuture<R> {

	private final CompletionStage<?>[] inputs;

	private GatherFuture(CompletionStage<?>[] inputs, boolean settled) {
		super(inputs.length, settled);
		this.inputs = inputs;
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
		for (int i = 0; i < inputs.length && !gather.isEnding(); i++) {
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
					onError(index, Stages.ownFailure(error));
				}
			});
		}
	}

	@Override
	void cancelInputs() {
		Stages.cancelAll(this.inputs);
	}

}
