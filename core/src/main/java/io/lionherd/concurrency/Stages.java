package io.lionherd.concurrency;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

/**
 * Reads and cancels arbitrary {@link CompletionStage}s. A {@code minimalCompletionStage()} is a
 * {@code CompletableFuture} whose {@code Future} methods throw, hence the guards.
 */
final class Stages {

	private Stages() {
	}

	/** Whether {@code stage} has already completed normally, so its value can be read at once. */
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

	/** The value of a stage for which {@link #isCompletedNormally} answered {@code true}. */
	@SuppressWarnings("unchecked")
	static <T> T valueOf(CompletionStage<T> stage) {
		return ((CompletableFuture<T>) stage).join();
	}

	/** Cancels {@code stage}, interrupting its worker where it can; a stage that cannot be cancelled is left alone. */
	static void cancel(CompletionStage<?> stage) {
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

	/** The stage's own exception rather than the {@link CompletionException} a dependent stage wraps it in. */
	static Throwable unwrap(Throwable error) {
		Throwable cause = error.getCause();
		return (error instanceof CompletionException && cause != null) ? cause : error;
	}

}
