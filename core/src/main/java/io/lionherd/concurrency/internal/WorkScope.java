package io.lionherd.concurrency.internal;

import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;

/**
 * The deadline scope a thread works for, as a thread-local, so that code in other
 * packages (the in-memory rate limiter) can enrol its futures in it without depending on
 * {@code AsyncUtils}. Set on the thread running a scope's body, on the workers of the
 * {@code runSync} tasks it starts and around the library's own wake-ups.
 */
public abstract class WorkScope {

	private static final ThreadLocal<@Nullable WorkScope> CURRENT = new ThreadLocal<>();

	/**
	 * The scope the calling thread works for.
	 * @return the scope, or {@code null} outside any
	 */
	public static @Nullable WorkScope current() {
		return CURRENT.get();
	}

	/**
	 * Makes {@code scope} the calling thread's scope.
	 * @param scope the scope, or {@code null} for none
	 * @return the previous scope, to give to {@link #restore}
	 */
	public static @Nullable WorkScope install(@Nullable WorkScope scope) {
		WorkScope previous = CURRENT.get();
		if (scope != previous) {
			CURRENT.set(scope);
		}
		return previous;
	}

	/**
	 * Puts back the scope {@link #install} replaced.
	 * @param previous what {@code install} returned
	 */
	public static void restore(@Nullable WorkScope previous) {
		// set, not remove: cheaper, and a null value pins nothing.
		if (CURRENT.get() != previous) {
			CURRENT.set(previous);
		}
	}

	/**
	 * Enrols {@code work} in this scope: it is cancelled ({@code cancel(true)}) if the
	 * deadline passes before it is done, at once if it already has. Work of a scope that
	 * has ended in time is not tracked.
	 * @param work the future to cancel at the deadline
	 */
	public abstract void register(CompletionStage<?> work);

	/**
	 * Runs {@code action} with this scope as the calling thread's scope.
	 * @param action what to run
	 */
	public final void run(Runnable action) {
		WorkScope previous = install(this);
		try {
			action.run();
		}
		finally {
			restore(previous);
		}
	}

}
