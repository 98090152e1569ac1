package io.lionherd.concurrency;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * A retry whose attempts all run on the thread that started it: {@link AsyncUtils#retry}
 * decides when each attempt starts (backoff, deadline, {@code lionherd.retry.calls}), and
 * each attempt runs here, on the calling thread, which waits in between. The call thus
 * keeps its caller's thread (its transaction, security context, request) in every
 * attempt.
 *
 * @param <T> the result type
 */
final class CallerRunsRetry<T> implements AsyncCallable<T> {

	private static final Runnable WAKE_UP = () -> {
	};

	private final AsyncCallable<T> body;

	private final Thread caller = Thread.currentThread();

	/** Attempts due, handed over by the timer's thread. */
	private final BlockingQueue<Runnable> due = new LinkedBlockingQueue<>();

	private CallerRunsRetry(AsyncCallable<T> body) {
		this.body = body;
	}

	/**
	 * Runs the attempts of {@code body} on this thread until the retry ends.
	 * @return the retry's future, complete, or cancelled if this thread was interrupted
	 * while waiting (the interrupt kept, no attempt started after)
	 */
	static <T> CompletableFuture<T> await(AsyncCallable<T> body,
			Function<AsyncCallable<T>, CompletableFuture<T>> retry) {
		CallerRunsRetry<T> attempts = new CallerRunsRetry<>(body);
		CompletableFuture<T> result = retry.apply(attempts);
		if (!result.isDone()) {
			result.whenComplete((value, error) -> attempts.due.add(WAKE_UP));
			try {
				while (!result.isDone()) {
					attempts.due.take().run();
				}
			}
			catch (InterruptedException ex) {
				// no attempt starts after: the failure so far is the answer
				result.cancel(true);
				Thread.currentThread().interrupt();
			}
		}
		return result;
	}

	/**
	 * Runs the attempts of the blocking {@code body} on this thread until the retry ends.
	 * @return the first successful attempt's result
	 * @throws Exception the last attempt's own exception, as thrown
	 */
	static <T> T call(Callable<T> body, Function<AsyncCallable<T>, CompletableFuture<T>> retry) throws Exception {
		BlockingAttempt<T> attempt = new BlockingAttempt<>(body);
		CompletableFuture<T> result = await(attempt, retry);
		if (!result.isCompletedExceptionally()) {
			return result.getNow(null);
		}
		Throwable failure = attempt.lastFailure;
		if (failure == null) {
			// No attempt failed: the retry was cancelled before one did, or failed
			// itself.
			try {
				result.join();
			}
			catch (CancellationException ex) {
				throw ex;
			}
			catch (RuntimeException ex) {
				failure = Stages.unwrap(ex);
			}
		}
		if (failure instanceof Exception exception) {
			throw exception;
		}
		if (failure instanceof Error error) {
			throw error;
		}
		throw new IllegalStateException("Retry failed without a failure", failure);
	}

	@Override
	public CompletionStage<T> call() throws Exception {
		if (Thread.currentThread() == this.caller) {
			return this.body.call();
		}
		CompletableFuture<T> attempt = new CompletableFuture<>();
		this.due.add(() -> {
			if (!attempt.isDone()) {
				Stages.relay(stageOf(this.body), attempt);
			}
		});
		return attempt;
	}

	private static <T> CompletionStage<T> stageOf(AsyncCallable<T> body) {
		try {
			CompletionStage<T> stage = body.call();
			return (stage != null) ? stage
					: CompletableFuture.failedFuture(new NullPointerException("stage returned by body is null"));
		}
		catch (Throwable ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	/** One attempt of a blocking body, keeping its failure as thrown. */
	private static final class BlockingAttempt<T> implements AsyncCallable<T> {

		private final Callable<T> body;

		/**
		 * The failure of the latest attempt, as thrown; read and written by the caller.
		 */
		private @Nullable Throwable lastFailure;

		BlockingAttempt(Callable<T> body) {
			this.body = body;
		}

		@Override
		public CompletionStage<T> call() {
			try {
				return CompletableFuture.completedFuture(this.body.call());
			}
			catch (Throwable ex) {
				this.lastFailure = ex;
				if (Thread.currentThread().isInterrupted()) {
					// The caller was interrupted: a failure no policy retries ends the
					// retry, and the attempt's own failure is thrown, the interrupt kept.
					return CompletableFuture.failedFuture(new InterruptedException("Interrupted during an attempt"));
				}
				return CompletableFuture.failedFuture(ex);
			}
		}

	}

}
