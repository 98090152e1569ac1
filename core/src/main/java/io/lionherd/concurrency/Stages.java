package io.lionherd.concurrency;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import io.lionherd.concurrency.internal.Checks;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Helpers for arbitrary {@link CompletionStage}s: {@link #unwrap} finds the failure
 * behind the wrappers futures add, {@link #relay} hands one stage's outcome to a future
 * and that future's cancellation back.
 * <p>
 * Internally it also reads and cancels foreign stages: a {@code minimalCompletionStage()}
 * is a {@code CompletableFuture} whose {@code Future} methods throw, hence the guards; a
 * foreign stage's {@code cancel} may throw anything, hence the others.
 */
public final class Stages {

	private static final Logger logger = LoggerFactory.getLogger(Stages.class);

	private Stages() {
	}

	/**
	 * Whether {@code stage} has already completed normally, so its value can be read at
	 * once.
	 */
	static boolean isCompletedNormally(CompletionStage<?> stage) {
		if (stage instanceof CompletableFuture<?> future) {
			try {
				return future.isDone() && !future.isCompletedExceptionally();
			}
			catch (UnsupportedOperationException ex) {
				return false;
			}
		}
		return false;
	}

	/**
	 * Whether {@code stage} is known to be complete, normally or not.
	 */
	static boolean isDone(CompletionStage<?> stage) {
		if (stage instanceof CompletableFuture<?> future) {
			try {
				return future.isDone();
			}
			catch (UnsupportedOperationException ex) {
				return false;
			}
		}
		return false;
	}

	/**
	 * The value of a stage for which {@link #isCompletedNormally} answered {@code true}.
	 */
	@SuppressWarnings("unchecked")
	static <T> T valueOf(CompletionStage<T> stage) {
		return ((CompletableFuture<T>) stage).join();
	}

	/**
	 * Cancels {@code stage}, interrupting its worker where it can; a stage that cannot be
	 * cancelled is left alone, and one whose {@code cancel} throws is logged and left
	 * alone.
	 * @param stage the stage to cancel
	 */
	static void cancel(CompletionStage<?> stage) {
		cancelAll(new CompletionStage<?>[] { stage });
	}

	/**
	 * Cancels every stage such that no queued {@code runSync} task among them starts. A
	 * worker is freed whenever one of the tasks is cancelled (interrupted while running,
	 * or dropped when marked cancelled just after a worker took it from the queue);
	 * cancelling task by task lets that worker start the next queued task before the loop
	 * reaches it. So each step is taken for every stage before the next step:
	 * <ol>
	 * <li>every {@link TaskFuture} leaves its {@code ThreadPoolExecutor}'s queue, which
	 * frees no worker (one pass over each queue, {@link TaskFuture#dequeueAll});</li>
	 * <li>every {@code TaskFuture} is marked cancelled, without interrupting, last to
	 * first (an executor that cannot remove a queued task usually runs them in submission
	 * order, so a worker freed here finds only tasks already marked);</li>
	 * <li>the workers still running one are interrupted, and every other stage is
	 * cancelled ({@code cancel(true)}: a foreign {@code cancel} may interrupt a worker
	 * too, so it comes last).</li>
	 * </ol>
	 * Every fan-out that cancels several inputs goes through here. A {@code cancel} that
	 * throws is logged at WARN and the others are still cancelled; this method never
	 * throws because of one.
	 * @param stages the stages to cancel
	 */
	static void cancelAll(CompletionStage<?>[] stages) {
		try {
			TaskFuture.dequeueAll(stages);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not take queued tasks out of their executor's queue; cancelling them anyway", ex);
		}
		for (int i = stages.length - 1; i >= 0; i--) {
			if (stages[i] instanceof TaskFuture<?> task) {
				guarded(task, task::markCancelled);
			}
		}
		for (CompletionStage<?> stage : stages) {
			if (stage instanceof TaskFuture<?> task) {
				guarded(stage, task::interruptRunner);
			}
			else {
				guarded(stage, () -> cancelForeign(stage));
			}
		}
	}

	/**
	 * Collection form of {@link #cancelAll(CompletionStage[])}.
	 * @param stages the stages to cancel
	 */
	static void cancelAll(Collection<? extends CompletionStage<?>> stages) {
		cancelAll(stages.toArray(new CompletionStage<?>[0]));
	}

	private static void cancelForeign(CompletionStage<?> stage) {
		try {
			if (stage instanceof Future<?> future) {
				future.cancel(true);
			}
			else {
				stage.toCompletableFuture().cancel(true);
			}
		}
		catch (UnsupportedOperationException ex) {
			// Neither a Future nor convertible: nothing to cancel.
		}
	}

	private static void guarded(CompletionStage<?> stage, Runnable cancel) {
		try {
			cancel.run();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not cancel {}; cancelling the others anyway", describe(stage), ex);
		}
	}

	/**
	 * The class only: a stage's {@code toString} is foreign code that may throw as well.
	 */
	private static String describe(CompletionStage<?> stage) {
		return stage.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(stage));
	}

	/**
	 * The stage's own exception rather than the {@link CompletionException} a dependent
	 * stage wraps it in: one layer only, so an {@code ExecutionException} the stage
	 * itself failed with is kept. {@link #unwrap} strips every wrapper instead.
	 */
	static Throwable ownFailure(Throwable error) {
		Throwable cause = error.getCause();
		return (error instanceof CompletionException && cause != null) ? cause : error;
	}

	/**
	 * The failure behind the wrappers that futures add: strips every
	 * {@link CompletionException} and {@link ExecutionException} that has a cause, as
	 * {@code join()}, {@code get()} and dependent stages add them. <pre>{@code
	 * future.exceptionally((ex) -> (Stages.unwrap(ex) instanceof TimeoutException) ? fallback : null);
	 * }</pre>
	 * @param error a failure as a completion callback or {@code get()} sees it
	 * @return the innermost cause that is not such a wrapper ({@code error} itself if it
	 * is none)
	 * @throws NullPointerException if {@code error} is {@code null}
	 */
	public static Throwable unwrap(Throwable error) {
		Throwable current = Checks.notNull(error, "error");
		while ((current instanceof CompletionException || current instanceof ExecutionException)
				&& current.getCause() != null) {
			current = current.getCause();
		}
		return current;
	}

	/**
	 * Completes {@code to} as {@code from} completes (a failure {@link #unwrap
	 * unwrapped}), and passes cancellation back: cancelling {@code to} cancels
	 * {@code from}, interrupting its worker where it can (a {@code runSync} task still
	 * queued never starts). If {@code to} is already complete when {@code from}
	 * completes, {@code from}'s outcome is dropped. <pre>{@code
	 * CompletableFuture<String> answer = new CompletableFuture<>();
	 * Stages.relay(client.fetchAsync(id), answer);
	 * answer.cancel(true); // cancels the fetch too
	 * }</pre>
	 * @param from the stage whose outcome to hand on
	 * @param to the future to complete
	 * @param <T> the result type
	 * @return {@code to}
	 * @throws NullPointerException if an argument is {@code null}
	 */
	public static <T> CompletableFuture<T> relay(CompletionStage<? extends T> from, CompletableFuture<T> to) {
		Checks.notNull(from, "from");
		Checks.notNull(to, "to");
		from.whenComplete((value, error) -> {
			if (error != null) {
				to.completeExceptionally(unwrap(error));
			}
			else {
				to.complete(value);
			}
		});
		to.whenComplete((value, error) -> {
			if (to.isCancelled()) {
				cancel(from);
			}
		});
		return to;
	}

}
