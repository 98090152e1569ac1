package io.lionherd.concurrency.capacity;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import io.lionherd.concurrency.CapacityLimiter;
import org.jspecify.annotations.Nullable;

/**
 * A named concurrency limit: at most {@code config().total()} permits held at once, in
 * this instance ({@code local}, a {@link CapacityLimiter}) or in every instance together
 * (a shared backend such as Redis). The waiters of one instance are served first come,
 * first served and hold no thread while they wait.
 * <p>
 * The decorators hold a permit exactly while a call runs, as {@code @ConcurrencyLimited}
 * does: {@link #executeCallable(Callable)} for a blocking call (the caller waits for its
 * permit), {@link #executeCompletionStage(Supplier)} for one that returns a
 * {@link CompletionStage} (nobody waits; the permit is released when the stage completes,
 * however it completes). <pre>{@code
 * ConcurrencyLimit provider = limits.get("provider");
 * CompletableFuture<Reply> reply = provider.executeCompletionStage(() -> client.send(request));
 * }</pre>
 */
public interface ConcurrencyLimit {

	/**
	 * The limit's name.
	 * @return its name in the registry
	 */
	String name();

	/**
	 * How it limits.
	 * @return its configuration
	 */
	ConcurrencyLimitConfig config();

	/**
	 * Where its permits are counted.
	 * @return {@code "local"} in memory, else the backend's name, e.g. {@code "redis"}
	 */
	default String backend() {
		return "local";
	}

	/**
	 * Acquires a permit, waiting up to {@code config().timeout()} (as long as it takes
	 * when none).
	 * @return a future of the permit, failed with
	 * {@link ConcurrencyLimitExceededException} on timeout; cancelling it while it waits
	 * gives up its place and takes nothing
	 */
	CompletableFuture<CapacityLimiter.Permit> acquire();

	/**
	 * Acquires a permit, waiting up to {@code timeout}; {@link Duration#ZERO} grants now
	 * or fails now.
	 * @param timeout how long to wait, zero or more
	 * @return a future of the permit, failed with
	 * {@link ConcurrencyLimitExceededException} on timeout; cancelling it while it waits
	 * gives up its place and takes nothing
	 * @throws IllegalArgumentException if {@code timeout} is negative
	 */
	CompletableFuture<CapacityLimiter.Permit> acquire(Duration timeout);

	/**
	 * The permits held now: in memory exactly; for a shared limit, by every instance as
	 * the backend last reported.
	 * @return the permits held, zero or more (may exceed the total just after the total
	 * was lowered)
	 */
	int inUse();

	/**
	 * The permits free now, as {@link #inUse()} counts them.
	 * @return {@code max(0, total - inUse)}
	 */
	default int available() {
		return Math.max(0, config().total() - inUse());
	}

	/**
	 * The acquires of this instance waiting for a permit now.
	 * @return the waiters, zero or more
	 */
	int waitingCount();

	/**
	 * Calls {@code callable} holding a permit, waiting for one up to the configured
	 * timeout on the caller's thread, and releases it when the call returns or throws.
	 * @param <T> the result type
	 * @param callable the call
	 * @return what the call returned
	 * @throws ConcurrencyLimitExceededException if no permit came in time or the thread
	 * was interrupted while waiting (its interrupt status is set again)
	 * @throws Exception what {@code callable} threw, unchanged
	 */
	default <T> T executeCallable(Callable<T> callable) throws Exception {
		return LimitCalls.call(this, null, callable);
	}

	/**
	 * As {@link #executeCallable(Callable)}, waiting up to {@code timeout}.
	 * @param <T> the result type
	 * @param timeout how long to wait at most, zero or more; {@code null} for
	 * {@code config().timeout()}
	 * @param callable the call
	 * @return what the call returned
	 * @throws ConcurrencyLimitExceededException if no permit came in time or the thread
	 * was interrupted while waiting (its interrupt status is set again)
	 * @throws IllegalArgumentException if {@code timeout} is negative
	 * @throws Exception what {@code callable} threw, unchanged
	 */
	default <T> T executeCallable(@Nullable Duration timeout, Callable<T> callable) throws Exception {
		return LimitCalls.call(this, timeout, callable);
	}

	/**
	 * Calls {@code supplier} once a permit is granted (on the caller's thread if one is
	 * free now, else on the thread that freed one, in the caller's context) and releases
	 * the permit when its stage completes, however it completes. Nothing waits. The
	 * permit is released before the returned future completes, so a continuation of it
	 * finds the permit free again. What the supplier throws, or a {@code null} it
	 * returns, fails the returned future (and releases the permit).
	 * <p>
	 * Completing the result while it waits for its permit (cancelling it, or e.g.
	 * {@code orTimeout}) gives up its place and the call is never made; cancelling it
	 * once the call ran cancels the call's stage, and its permit is released when that
	 * stage completes (at once for a {@code CompletableFuture}; a stage that cannot be
	 * cancelled keeps it until it completes).
	 * @param <T> the result type
	 * @param supplier the call
	 * @return a future of the call's result, failed with
	 * {@link ConcurrencyLimitExceededException} if no permit came in time
	 */
	default <T> CompletableFuture<T> executeCompletionStage(Supplier<? extends CompletionStage<T>> supplier) {
		return LimitCalls.callStage(this, null, LimitCalls.CURRENT_CONTEXT, supplier);
	}

	/**
	 * As {@link #executeCompletionStage(Supplier)}, waiting up to {@code timeout}, with
	 * the caller's context captured by {@code callerContext} (e.g.
	 * {@code asyncUtils::withCurrentContext}).
	 * @param <T> the result type
	 * @param timeout how long to wait at most, zero or more; {@code null} for
	 * {@code config().timeout()}
	 * @param callerContext wraps, on the caller's thread, the call made later; the
	 * runnable it returns must run the call on the thread that runs it, before returning
	 * (if it throws first, or returns without running it, the permit is released and the
	 * result fails)
	 * @param supplier the call
	 * @return a future of the call's result, failed with
	 * {@link ConcurrencyLimitExceededException} if no permit came in time
	 * @throws IllegalArgumentException if {@code timeout} is negative
	 */
	default <T> CompletableFuture<T> executeCompletionStage(@Nullable Duration timeout,
			UnaryOperator<Runnable> callerContext, Supplier<? extends CompletionStage<T>> supplier) {
		return LimitCalls.callStage(this, timeout, callerContext, supplier);
	}

}
