package io.lionherd.concurrency;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and cancels arbitrary {@link CompletionStage}s. A
 * {@code minimalCompletionStage()} is a {@code CompletableFuture} whose {@code Future}
 * methods throw, hence the guards; a foreign stage's {@code cancel} may throw anything,
 * hence the others.
 */
final class Stages {

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
	 * stage wraps it in.
	 */
	static Throwable unwrap(Throwable error) {
		Throwable cause = error.getCause();
		return (error instanceof CompletionException && cause != null) ? cause : error;
	}

}
