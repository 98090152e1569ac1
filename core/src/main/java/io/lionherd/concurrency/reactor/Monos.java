package io.lionherd.concurrency.reactor;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.lionherd.concurrency.AsyncCallable;
import io.lionherd.concurrency.internal.Checks;
import reactor.core.publisher.Mono;

/**
 * Bridges from {@code AsyncUtils}' {@link CompletionStage}s to Reactor.
 */
public final class Monos {

	private Monos() {
	}

	/**
	 * Runs {@code body} once per subscription, on the subscribing thread, as a
	 * {@code Mono} of its stage's result: <pre>{@code
	 * Mono<Page> page = Monos.fromAsync(() -> async.retry(() -> client.fetch(id), policy));
	 * }</pre> Cancelling the subscription before the stage completes cancels it with
	 * {@code cancel(true)}: the library's own stages ({@code runSync}, {@code retry},
	 * {@code gather}, a deadline scope, a rate-limited call...) then cancel their work,
	 * interrupting a {@code runSync} worker. (A {@code Mono.fromFuture(future)} of a
	 * stage made at assembly would be shared by every subscription, and a
	 * {@code Mono.fromCompletionStage} ignores a cancel.) What {@code body} throws, or a
	 * {@code null} it returns, is an error signal; a {@code null} result completes the
	 * {@code Mono} empty. A stage that is not a {@link CompletableFuture} is cancelled
	 * through its {@code toCompletableFuture()}.
	 * @param body starts the async work
	 * @param <T> the result type
	 * @return a {@code Mono} of the result, cold: each subscription calls {@code body}
	 */
	public static <T> Mono<T> fromAsync(AsyncCallable<? extends T> body) {
		Checks.notNull(body, "body");
		return Mono.fromFuture(() -> start(body), false);
	}

	@SuppressWarnings("unchecked")
	private static <T> CompletableFuture<T> start(AsyncCallable<? extends T> body) {
		CompletionStage<? extends T> stage;
		try {
			stage = body.call();
		}
		catch (Throwable ex) {
			return CompletableFuture.failedFuture(ex);
		}
		if (stage == null) {
			return CompletableFuture.failedFuture(
					new NullPointerException("The body of Monos.fromAsync returned null instead of a CompletionStage"));
		}
		return (CompletableFuture<T>) stage.toCompletableFuture();
	}

}
