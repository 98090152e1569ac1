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
	 * The scope the calling thread works for: the one installed, or, once that one has
	 * ended in time, the scope its work passed to (see {@link #live()}).
	 * @return the scope, or {@code null} outside any
	 */
	public static @Nullable WorkScope current() {
		WorkScope scope = CURRENT.get();
		return (scope != null) ? scope.live() : null;
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
	 * The scope that answers for this scope's work now: this one while it is open (or
	 * cancelled, so that what its late continuations start is cancelled at once); once it
	 * has ended in time, the scope enclosing it, or {@code null} if none.
	 * @return this scope, an enclosing one or {@code null}
	 */
	public @Nullable WorkScope live() {
		return this;
	}

	/**
	 * Whether work may still start in this scope: {@code false} once it is cancelled or
	 * its deadline has passed (it is then cancelled, if its timer has not done it yet).
	 * Fan-outs ask before starting each piece of work, so none starts after the deadline.
	 * @return whether new work may start
	 */
	public boolean admits() {
		return true;
	}

	/**
	 * Enrols {@code work} in this scope: it is cancelled ({@code cancel(true)}) if the
	 * deadline passes before it is done, at once if it already has. Work of a scope that
	 * has ended in time goes to the scope enclosing it.
	 * @param work the future to cancel at the deadline
	 */
	public abstract void register(CompletionStage<?> work);

	/**
	 * Runs {@code action} with this scope as the calling thread's scope, or the scope its
	 * work passed to if it has ended in time ({@link #live()}): a wake-up never installs
	 * a finished scope.
	 * @param action what to run
	 */
	public final void run(Runnable action) {
		WorkScope previous = install(live());
		try {
			action.run();
		}
		finally {
			restore(previous);
		}
	}

}
