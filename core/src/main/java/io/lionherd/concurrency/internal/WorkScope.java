package io.lionherd.concurrency.internal;

import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;

/**
 * The deadline scope a thread works for, per thread, so that code in other packages (the
 * in-memory rate limiter) can enrol its futures in it without depending on
 * {@code AsyncUtils}. Set on the thread running a scope's body, on the workers of the
 * {@code runSync} tasks it starts and around the library's own wake-ups.
 */
public abstract class WorkScope {

	/**
	 * Per thread, a {@link Frame} rather than the scope itself: a scope opened on a
	 * thread is only described by primitive fields until something needs its object, and
	 * storing a fresh object into a long-lived thread-local map costs the garbage
	 * collector's write barrier on every scope.
	 */
	private static final ThreadLocal<Frame> FRAME = ThreadLocal.withInitial(Frame::new);

	/**
	 * The scope the calling thread works for: the one installed, or, once that one has
	 * ended in time, the scope its work passed to (see {@link #live()}).
	 * @return the scope, or {@code null} outside any
	 */
	public static @Nullable WorkScope current() {
		WorkScope scope = FRAME.get().installed();
		return (scope != null) ? scope.live() : null;
	}

	/**
	 * The calling thread's frame, to open a deferred scope on it.
	 * @return the frame
	 */
	public static Frame frame() {
		return FRAME.get();
	}

	/**
	 * Makes {@code scope} the calling thread's scope.
	 * @param scope the scope, or {@code null} for none
	 * @return the previous scope, to give to {@link #restore}
	 */
	public static @Nullable WorkScope install(@Nullable WorkScope scope) {
		Frame frame = FRAME.get();
		WorkScope previous = frame.installed();
		if (scope != previous) {
			frame.installed = scope;
		}
		return previous;
	}

	/**
	 * Puts back the scope {@link #install} replaced.
	 * @param previous what {@code install} returned
	 */
	public static void restore(@Nullable WorkScope previous) {
		Frame frame = FRAME.get();
		if (frame.installed != previous) {
			frame.installed = previous;
		}
	}

	/**
	 * Makes the object of a scope opened on this thread, when first needed.
	 */
	@FunctionalInterface
	public interface Opener {

		/**
		 * Makes the scope {@code frame} describes.
		 * @param frame the frame, with the scope's description
		 * @param parent the scope enclosing it, if any
		 * @return the scope
		 */
		WorkScope open(Frame frame, @Nullable WorkScope parent);

	}

	/**
	 * One thread's scope: the one installed, or a deferred one described by the public
	 * fields, whose object its {@link Opener} makes when something asks for the current
	 * scope. A scope whose body asks for nothing never gets an object.
	 */
	public static final class Frame {

		private @Nullable WorkScope installed;

		private @Nullable Opener opener;

		/** The deferred scope's deadline in ticker nanoseconds. */
		public long deadline;

		/** The deferred scope's timeout in nanoseconds. */
		public long nanos;

		/** The deferred scope's absolute deadline in seconds, if it was given one. */
		public double absolute;

		/** Flags of the deferred scope, for its opener. */
		public int flags;

		private Frame() {
		}

		/** The installed scope, made first if it is deferred. */
		@Nullable WorkScope installed() {
			Opener deferred = this.opener;
			if (deferred != null) {
				this.opener = null;
				WorkScope parent = this.installed;
				this.installed = deferred.open(this, (parent != null) ? parent.live() : null);
			}
			return this.installed;
		}

		/**
		 * Opens a deferred scope on this thread; the caller sets its description and must
		 * {@link #close} it.
		 * @param opener what makes its object if needed
		 * @return the scope installed before, to give to {@link #close}
		 */
		public @Nullable WorkScope defer(Opener opener) {
			WorkScope previous = installed();
			this.opener = opener;
			return previous;
		}

		/**
		 * Closes the scope {@link #defer} opened.
		 * @param previous what {@code defer} returned
		 * @return the scope's object if something made it, else {@code null}
		 */
		public @Nullable WorkScope close(@Nullable WorkScope previous) {
			WorkScope made = null;
			if (this.opener != null) {
				this.opener = null;
			}
			else {
				made = this.installed;
				this.installed = previous;
			}
			return made;
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
	 * How long until the nearest deadline of this scope and the scopes enclosing it, on
	 * the clock of the scope that set it: what a retry may still wait.
	 * @return the nanoseconds left, zero or less once due; {@link Long#MAX_VALUE} for a
	 * scope without a deadline
	 */
	public long remainingNanos() {
		return Long.MAX_VALUE;
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
