package io.lionherd.concurrency;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import io.lionherd.concurrency.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * The future {@code race} and {@code firstSuccessful} return. The input that decides
 * completes it with its own value or exception, after every other input has been
 * cancelled ({@link Stages#cancelAll}): whoever sees the result also sees the losers
 * cancelled, and no queued {@code runSync} loser starts.
 *
 * @param <T> the result type
 */
final class RaceFuture<T> extends CompletableFuture<T> {

	private static final AtomicIntegerFieldUpdater<RaceFuture> ENDING = AtomicIntegerFieldUpdater
		.newUpdater(RaceFuture.class, "ending");

	private static final AtomicIntegerFieldUpdater<RaceFuture> FAILED = AtomicIntegerFieldUpdater
		.newUpdater(RaceFuture.class, "failed");

	private final CompletionStage<?>[] inputs;

	/** Whether only a success decides ({@code firstSuccessful}). */
	private final boolean successOnly;

	/** {@code firstSuccessful}: the failures in the order they arrived. */
	private final @Nullable List<Throwable> failures;

	private volatile int ending;

	private volatile int failed;

	private RaceFuture(CompletionStage<?>[] inputs, boolean successOnly) {
		this.inputs = inputs;
		this.successOnly = successOnly;
		this.failures = successOnly ? new ArrayList<>() : null;
	}

	static <T> CompletableFuture<T> race(Collection<? extends CompletionStage<? extends T>> stages) {
		return start(Checks.notNull(stages, "stages").toArray(new CompletionStage<?>[0]), false);
	}

	/** Varargs: the caller's array is only read, and copied if kept. */
	static <T> CompletableFuture<T> race(CompletionStage<?>[] stages) {
		return start(Checks.notNull(stages, "stages"), false);
	}

	static <T> CompletableFuture<T> firstSuccessful(CompletionStage<?>[] stages) {
		return start(Checks.notNull(stages, "stages"), true);
	}

	static <T> CompletableFuture<T> firstSuccessful(Collection<? extends CompletionStage<? extends T>> stages) {
		return start(Checks.notNull(stages, "stages").toArray(new CompletionStage<?>[0]), true);
	}

	@SuppressWarnings("unchecked")
	private static <T> CompletableFuture<T> start(CompletionStage<?>[] inputs, boolean successOnly) {
		if (inputs.length == 0) {
			throw new IllegalArgumentException("stages must not be empty");
		}
		for (int i = 0; i < inputs.length; i++) {
			if (inputs[i] == null) {
				throw new NullPointerException("stages must not contain null, but element " + i + " is null");
			}
		}
		// Fast path: the first input already complete decides at once (race), or the
		// first already successful one (firstSuccessful); a failed one takes the path
		// below, which decides at once too.
		for (int i = 0; i < inputs.length; i++) {
			CompletionStage<?> input = inputs[i];
			if (Stages.isCompletedNormally(input)) {
				cancelOthers(inputs, i);
				return CompletableFuture.completedFuture((T) Stages.valueOf(input));
			}
			if (!successOnly && isDone(input)) {
				break;
			}
		}
		RaceFuture<T> race = new RaceFuture<>(inputs.clone(), successOnly);
		for (int i = 0; i < race.inputs.length && race.ending == 0; i++) {
			int index = i;
			race.inputs[i].whenComplete((value, error) -> {
				if (error == null) {
					race.decide(index, value, null);
				}
				else {
					race.failure(index, Stages.ownFailure(error));
				}
			});
		}
		return race;
	}

	private static void cancelOthers(CompletionStage<?>[] inputs, int winner) {
		CompletionStage<?>[] others = null;
		int count = 0;
		for (int i = 0; i < inputs.length; i++) {
			if (i != winner && !isDone(inputs[i])) {
				if (others == null) {
					others = new CompletionStage<?>[inputs.length - 1];
				}
				others[count++] = inputs[i];
			}
		}
		if (others != null) {
			Stages.cancelAll((count == others.length) ? others : Arrays.copyOf(others, count));
		}
	}

	private void failure(int index, Throwable error) {
		if (!this.successOnly) {
			decide(index, null, error);
			return;
		}
		List<Throwable> all = this.failures;
		synchronized (all) {
			if (this.ending == 0) {
				all.add(error);
			}
		}
		if (FAILED.incrementAndGet(this) == this.inputs.length) {
			Throwable first;
			synchronized (all) {
				first = all.get(0);
				for (int i = 1; i < all.size(); i++) {
					if (all.get(i) != first) {
						first.addSuppressed(all.get(i));
					}
				}
			}
			decide(index, null, first);
		}
	}

	@SuppressWarnings("unchecked")
	private void decide(int winner, @Nullable Object value, @Nullable Throwable error) {
		if (!ENDING.compareAndSet(this, 0, 1)) {
			return;
		}
		try {
			cancelOthers(this.inputs, winner);
		}
		finally {
			if (error == null) {
				super.complete((T) value);
			}
			else {
				super.completeExceptionally(error);
			}
		}
	}

	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		if (isDone() || !ENDING.compareAndSet(this, 0, 1)) {
			return false;
		}
		try {
			Stages.cancelAll(this.inputs);
		}
		finally {
			super.cancel(mayInterruptIfRunning);
		}
		return true;
	}

	@Override
	public boolean complete(@Nullable T value) {
		if (isDone() || !ENDING.compareAndSet(this, 0, 1)) {
			return false;
		}
		try {
			Stages.cancelAll(this.inputs);
		}
		finally {
			super.complete(value);
		}
		return true;
	}

	@Override
	public boolean completeExceptionally(Throwable ex) {
		Checks.notNull(ex, "ex");
		if (isDone() || !ENDING.compareAndSet(this, 0, 1)) {
			return false;
		}
		try {
			Stages.cancelAll(this.inputs);
		}
		finally {
			super.completeExceptionally(ex);
		}
		return true;
	}

	@Override
	public <U> CompletableFuture<U> newIncompleteFuture() {
		return new CompletableFuture<>();
	}

	private static boolean isDone(CompletionStage<?> stage) {
		try {
			return stage instanceof CompletableFuture<?> future && future.isDone();
		}
		catch (UnsupportedOperationException ex) {
			return false;
		}
	}

}
