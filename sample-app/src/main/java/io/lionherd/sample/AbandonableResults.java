package io.lionherd.sample;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.web.context.request.async.DeferredResult;

/**
 * Ties a request's pending work to the request. Spring MVC adapts a returned
 * {@code CompletableFuture} to a {@link DeferredResult} that only listens to it
 * ({@code DeferredResultMethodReturnValueHandler.adaptCompletionStage} in Spring
 * Framework 7 registers a {@code whenComplete} and nothing else): when the request is
 * abandoned the future is never cancelled, so a waiting {@code acquire} is still granted
 * a permit, and queued or running {@code runSync} tasks still take pool threads, for an
 * answer nobody will read.
 * <p>
 * The {@link DeferredResult} made here cancels the work when the request ends without it:
 * the async request timeout ({@code spring.mvc.async.request-timeout}), an async error
 * the container reports (an I/O error, such as a failed write to a client that went
 * away), or the end of the request for any other reason. What the container cannot see it
 * cannot report: a client that disconnects while its request waits is noticed only at the
 * timeout, because nothing reads from or writes to the connection meanwhile.
 */
final class AbandonableResults {

	private AbandonableResults() {
	}

	/**
	 * Answers with {@code answer}'s value or failure; if the request ends first, cancels
	 * ({@code cancel(true)}) each of {@code work}, then {@code answer}.
	 * @param <T> the answer type
	 * @param answer what the request answers with
	 * @param work the futures behind the answer that hold resources (a pending
	 * {@code acquire}, a {@code gather} of {@code runSync} tasks); cancelling a future
	 * derived from them with {@code thenApply}/{@code handle} would not cancel them
	 * @return the result to return from the controller
	 */
	static <T> DeferredResult<T> cancelledWhenAbandoned(CompletableFuture<? extends T> answer, Future<?>... work) {
		DeferredResult<T> result = new DeferredResult<>();
		AtomicBoolean abandoned = new AtomicBoolean();
		List<Future<?>> resources = List.of(work);
		Runnable abandon = () -> {
			if (!answer.isDone() && abandoned.compareAndSet(false, true)) {
				for (Future<?> future : resources) {
					future.cancel(true);
				}
				answer.cancel(true);
			}
		};
		result.onTimeout(abandon);
		result.onError((error) -> abandon.run());
		result.onCompletion(abandon);
		answer.whenComplete((value, error) -> {
			if (abandoned.get()) {
				return; // the request is being answered already (e.g. 503 for the
						// timeout)
			}
			if (error != null) {
				result.setErrorResult(
						(error instanceof CompletionException && error.getCause() != null) ? error.getCause() : error);
			}
			else {
				result.setResult(value);
			}
		});
		return result;
	}

}
