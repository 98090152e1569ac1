package io.lionherd.concurrency;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.stream.Stream;

/**
 * lionherd-core's {@code CompletionStream}: bodies run at most {@code limit} at once and
 * their results come out in completion order, each with its position in the input. Made
 * by {@link AsyncUtils#completionStream} (fail-fast) and
 * {@link AsyncUtils#completionStreamSettled} (one {@link Outcome} per body). A body is
 * called only when a slot is free: the first {@code limit} at once, each of the others
 * when a running body completes (the stream starts them, whether or not anyone is reading
 * yet; results wait in the stream until they are asked for).
 *
 * <pre>{@code
 * try (CompletionStream<Page> pages = async.completionStream(fetches, 5)) {
 *     for (Optional<Completed<Page>> next = pages.next().join(); next.isPresent(); next = pages.next().join()) {
 *         render(next.get().index(), next.get().value());
 *     }
 * }
 * }</pre>
 * <p>
 * Consume it in one way: {@link #next()}, or {@link #publisher()}, or {@link #stream()}.
 * Thread-safe.
 *
 * @param <T> the element type
 */
public interface CompletionStream<T> extends AutoCloseable {

	/**
	 * The next body to complete, in completion order: each call gets the next completion
	 * (concurrent calls are served in the order they were made), and
	 * {@link Optional#empty()} once every body has been yielded (at once for an empty
	 * input). Fail-fast, a body's failure fails the call that would have yielded it with
	 * the body's own exception (what completed before it is yielded first) and closes the
	 * stream: its running bodies are cancelled and no other starts; every later call
	 * fails with the same exception. After {@link #close()} (or the deadline of the scope
	 * the stream was made in), pending and later calls fail with a
	 * {@link java.util.concurrent.CancellationException}, unless every body had already
	 * been yielded (then empty).
	 * <p>
	 * Cancelling (or completing) the returned future loses nothing: the completion it
	 * would have got goes to the next call. The future may be completed inside a
	 * continuation of another {@code next()} call's future, after that continuation
	 * returns (which keeps long chains flat): such a continuation must not block waiting
	 * for it.
	 * @return the next completion, or empty when all have been yielded
	 */
	CompletableFuture<Optional<Completed<T>>> next();

	/**
	 * This stream as a {@link Flow.Publisher} honouring demand: at most as many
	 * {@code onNext} as requested, in completion order, then {@code onComplete}, or
	 * {@code onError} with a body's own exception (fail-fast) or a
	 * {@link java.util.concurrent.CancellationException} if the stream was closed before
	 * every body was yielded. Demand governs delivery, not starting: bodies start as
	 * slots free, and results wait in the stream. Cancelling the subscription closes the
	 * stream. Single subscriber: a second subscription (to this or any other publisher of
	 * the same stream) is refused with {@code onError(IllegalStateException)}.
	 * @return the publisher
	 */
	Flow.Publisher<Completed<T>> publisher();

	/**
	 * This stream as a blocking {@link Stream}, in completion order: each element waits
	 * on the calling thread, so use it on a virtual thread (Java 21+), not on a platform
	 * thread that should stay free. A body's failure is thrown by the terminal operation:
	 * its own exception if unchecked, else a
	 * {@link java.util.concurrent.CompletionException} with it as the cause. A thread
	 * interrupted while waiting closes the stream, keeps its interrupt status and throws
	 * {@link java.util.concurrent.CancellationException}. Closing the {@code Stream}
	 * closes this stream: <pre>{@code
	 * try (Stream<Completed<Page>> pages = async.completionStream(fetches, 5).stream()) {
	 *     pages.limit(3).forEach((page) -> render(page.value()));   // the rest are cancelled
	 * }
	 * }</pre>
	 * @return a sequential stream of the completions
	 */
	Stream<Completed<T>> stream();

	/**
	 * Cancels everything not yet yielded: running bodies' stages are cancelled
	 * ({@code cancel(true)}: {@code runSync} workers interrupted, queued tasks never
	 * start) and bodies not yet started never start. Idempotent.
	 */
	@Override
	void close();

}
