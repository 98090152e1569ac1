package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

/**
 * A sliding-window rate limiter: for each of its {@link RateLimiterConfig#limits()
 * limits}, in every half-open window of the limit's period at most {@code max} is counted
 * (the permits a request asks for, or 1 per request for a calls-limit). A request is
 * granted only when every limit has room for it, and is then charged to all of them at
 * the same instant; a request not granted charges nothing. Waiters are served in arrival
 * order: a later request never overtakes an earlier waiter, even a smaller one, so a
 * large request at the head holds back the small ones behind it; {@code tryAcquire} never
 * overtakes them either, and waiting holds no thread. A cancelled or timed-out acquire
 * gives up its place and consumes no permit.
 * <p>
 * The {@code execute}/{@code decorate} methods put a call behind a permit, as
 * {@code @RateLimited} does: {@link #executeCallable(Callable)} for a blocking call (the
 * caller waits), {@link #executeCompletionStage(Supplier)} for one that returns a
 * {@link CompletionStage} (nobody waits). Each takes one permit per call, asked for with
 * {@code acquire}, never a {@code tryAcquire} probe first (on a distributed limiter that
 * would be a blocking round trip, and a refusal counted twice).
 */
public interface RateLimiter {

	/**
	 * The limiter's name: the key of its {@link RateLimiterRegistry} entry and its
	 * meters' tag.
	 * @return the name, {@code ""} for an unnamed limiter
	 */
	String name();

	/**
	 * How this limiter limits.
	 * @return its configuration
	 */
	RateLimiterConfig config();

	/**
	 * The client key this limiter limits, for a limiter of
	 * {@link RateLimiterRegistry#get(String, String)}: its {@link #name()} is then the
	 * name of the limiter whose definition it shares.
	 * @return the key, empty for a named or unnamed limiter
	 */
	default Optional<String> key() {
		return Optional.empty();
	}

	/**
	 * The state of this limiter's tightest limit (the one with the smallest share of its
	 * {@code max} left, the first of them on a tie), as a client would be told it in the
	 * IETF {@code RateLimit} fields. A distributed backend answers as last reported by
	 * its server.
	 * @return the tightest limit, what is left of it and when more comes back
	 */
	default LimitStatus status() {
		return new LimitStatus(config().limits().get(0), Math.max(0, availablePermits()), Duration.ZERO);
	}

	/**
	 * Asks for a permit, waiting up to {@code config().timeout()} (without limit when
	 * that is {@code null}).
	 * @return a future completing when the permit is granted, or failing with
	 * {@link java.util.concurrent.TimeoutException} if it was not granted in time;
	 * cancelling it gives up the place in the queue without consuming a permit
	 */
	CompletableFuture<Void> acquire();

	/**
	 * Asks for a permit, giving up after {@code timeout}: at once, with a
	 * {@link PermitTimeoutException}, when the earliest instant it could be granted (in
	 * its turn behind the waiters) lies after it.
	 * @param timeout how long to wait at most, zero or more
	 * @return a future completing when the permit is granted, or failing with
	 * {@link java.util.concurrent.TimeoutException} (a {@link PermitTimeoutException}
	 * where the backend knows when it could have been granted) if not in time
	 */
	CompletableFuture<Void> acquire(Duration timeout);

	/**
	 * Grants a permit now if one is free and nobody is waiting.
	 * @return whether a permit was granted; never waits for one
	 */
	boolean tryAcquire();

	/**
	 * Asks for {@code permits}, waiting up to {@code config().timeout()} (without limit
	 * when that is {@code null}).
	 * @param permits how many, at least 1 and at most every permits-limit's {@code max}
	 * @return a future completing when they are granted, or failing with a
	 * {@link java.util.concurrent.TimeoutException} (a {@link PermitTimeoutException}
	 * where the backend knows when they could have been granted) if not in time
	 * @throws IllegalArgumentException if {@code permits} could never be granted; the
	 * message names the limit
	 * @throws UnsupportedOperationException if this backend takes only 1 permit at a time
	 */
	default CompletableFuture<Void> acquire(long permits) {
		Duration timeout = config().timeout();
		return (timeout != null) ? acquire(permits, timeout) : onePermit(permits, this::acquire);
	}

	/**
	 * Asks for {@code permits}, giving up after {@code timeout}: at once, with a
	 * {@link PermitTimeoutException}, when the earliest instant they could be granted (in
	 * their turn behind the waiters) lies after it.
	 * @param permits how many, at least 1 and at most every permits-limit's {@code max}
	 * @param timeout how long to wait at most, zero or more
	 * @return a future completing when they are granted, or failing with a
	 * {@link java.util.concurrent.TimeoutException} if not in time; cancelling it gives
	 * up the place in the queue without consuming a permit
	 * @throws IllegalArgumentException if {@code permits} could never be granted or
	 * {@code timeout} is negative
	 * @throws UnsupportedOperationException if this backend takes only 1 permit at a time
	 */
	default CompletableFuture<Void> acquire(long permits, Duration timeout) {
		return onePermit(permits, () -> acquire(timeout));
	}

	/**
	 * Grants {@code permits} now if every limit has room for them and nobody is waiting.
	 * @param permits how many, at least 1 and at most every permits-limit's {@code max}
	 * @return whether they were granted; never waits
	 * @throws IllegalArgumentException if {@code permits} could never be granted
	 * @throws UnsupportedOperationException if this backend takes only 1 permit at a time
	 */
	default boolean tryAcquire(long permits) {
		return onePermit(permits, this::tryAcquire);
	}

	/**
	 * {@link #tryAcquire(long)} without blocking the caller.
	 * @param permits how many, at least 1 and at most every permits-limit's {@code max}
	 * @return a future of whether they were granted
	 * @throws IllegalArgumentException if {@code permits} could never be granted
	 * @throws UnsupportedOperationException if this backend takes only 1 permit at a time
	 */
	default CompletableFuture<Boolean> tryAcquireAsync(long permits) {
		return onePermit(permits, this::tryAcquireAsync);
	}

	/**
	 * The default of the {@code permits} methods for a backend that has only the
	 * one-permit ones: checks {@code permits} and answers 1 of them.
	 */
	private <T> T onePermit(long permits, Supplier<T> onePermit) {
		config().checkPermits(permits);
		if (permits != 1 || config().limits().size() != 1) {
			throw new UnsupportedOperationException(
					getClass().getSimpleName() + " takes 1 permit of 1 limit at a time, but was asked for " + permits
							+ " of " + config().limits());
		}
		return onePermit.get();
	}

	/**
	 * {@link #tryAcquire()} without blocking the caller: a distributed backend answers
	 * when its server has; the in-memory one at once.
	 * @return a future of whether a permit was granted
	 */
	default CompletableFuture<Boolean> tryAcquireAsync() {
		return CompletableFuture.completedFuture(tryAcquire());
	}

	/**
	 * How many permits could be granted now (zero while anyone waits): the room of the
	 * tightest permits-limit, or with calls-limits only their room in calls; a snapshot
	 * for gauges and health checks.
	 * @return the number of permits free now
	 */
	int availablePermits();

	/**
	 * How many acquires of this instance wait now.
	 * @return the number of waiters
	 */
	int waitingCount();

	/**
	 * Where this limiter's window lives, as the {@code lionherd} endpoint reports it.
	 * @return {@code "local"} for an in-memory limiter (the default), {@code "redis"} for
	 * one shared through Redis; another backend answers its own name
	 */
	default String backend() {
		return "local";
	}

	/**
	 * Calls {@code callable} on this thread once a permit is granted, waiting for it up
	 * to {@code config().timeout()}.
	 * @param callable the call to rate limit
	 * @param <T> the result type
	 * @return what {@code callable} returned
	 * @throws RateLimitExceededException if no permit came in time (its cause the
	 * {@link java.util.concurrent.TimeoutException}), or this thread was interrupted
	 * while waiting (its place given up, the interrupt kept, the cause the
	 * {@link InterruptedException})
	 * @throws Exception what {@code callable} threw, unchanged, or the limiter's own
	 * failure (such as a {@link RateLimiterBackendException})
	 * @see #executeCallable(Duration, Callable)
	 */
	default <T> T executeCallable(Callable<T> callable) throws Exception {
		return PermitCalls.call(this, 1, null, callable);
	}

	/**
	 * Calls {@code callable} on this thread once a permit is granted, waiting for it up
	 * to {@code timeout}. <pre>{@code
	 * Quote quote = limiter.executeCallable(Duration.ofSeconds(2), () -> client.quote(symbol));
	 * }</pre>
	 * @param timeout how long to wait at most, zero or more ({@code Duration.ZERO}: only
	 * a permit free now); {@code null} for {@code config().timeout()}
	 * @param callable the call to rate limit
	 * @param <T> the result type
	 * @return what {@code callable} returned
	 * @throws RateLimitExceededException if no permit came in time, or this thread was
	 * interrupted while waiting; see {@link #executeCallable(Callable)}
	 * @throws Exception what {@code callable} threw, unchanged, or the limiter's own
	 * failure
	 * @throws IllegalArgumentException if {@code timeout} is negative
	 */
	default <T> T executeCallable(@Nullable Duration timeout, Callable<T> callable) throws Exception {
		return PermitCalls.call(this, 1, timeout, callable);
	}

	/**
	 * Calls {@code callable} on this thread once {@code permits} are granted, waiting for
	 * them up to {@code timeout}: a weighted call, such as one that spends tokens of a
	 * provider's quota. <pre>{@code
	 * Completion completion = limiter.executeCallable(request.maxTokens(), null, () -> client.complete(request));
	 * }</pre>
	 * @param permits how many permits the call takes, at least 1 and at most the
	 * {@code max} of every permits-limit (a calls-limit counts the call once)
	 * @param timeout how long to wait at most, zero or more; {@code null} for
	 * {@code config().timeout()}
	 * @param callable the call to rate limit
	 * @param <T> the result type
	 * @return what {@code callable} returned
	 * @throws RateLimitExceededException if the permits did not come in time, or this
	 * thread was interrupted while waiting; see {@link #executeCallable(Callable)}
	 * @throws Exception what {@code callable} threw, unchanged, or the limiter's own
	 * failure
	 * @throws IllegalArgumentException if {@code permits} could never be granted, or
	 * {@code timeout} is negative
	 */
	default <T> T executeCallable(long permits, @Nullable Duration timeout, Callable<T> callable) throws Exception {
		return PermitCalls.call(this, permits, timeout, callable);
	}

	/**
	 * {@code callable} behind a permit: each call of the result is an
	 * {@link #executeCallable(Callable)}.
	 * @param callable the call to rate limit
	 * @param <T> the result type
	 * @return the rate-limited call
	 */
	default <T> Callable<T> decorateCallable(Callable<T> callable) {
		return decorateCallable(null, callable);
	}

	/**
	 * {@code callable} behind a permit: each call of the result is an
	 * {@link #executeCallable(Duration, Callable)}.
	 * @param timeout how long each call waits at most, zero or more; {@code null} for
	 * {@code config().timeout()}
	 * @param callable the call to rate limit
	 * @param <T> the result type
	 * @return the rate-limited call
	 */
	default <T> Callable<T> decorateCallable(@Nullable Duration timeout, Callable<T> callable) {
		PermitCalls.check(timeout, callable, "callable");
		return () -> PermitCalls.call(this, 1, timeout, callable);
	}

	/**
	 * {@code callable} behind {@code permits}: each call of the result is an
	 * {@link #executeCallable(long, Duration, Callable)}.
	 * @param permits how many permits each call takes; see
	 * {@link #executeCallable(long, Duration, Callable)}
	 * @param timeout how long each call waits at most, zero or more; {@code null} for
	 * {@code config().timeout()}
	 * @param callable the call to rate limit
	 * @param <T> the result type
	 * @return the rate-limited call
	 * @throws IllegalArgumentException if {@code permits} could never be granted, or
	 * {@code timeout} is negative
	 */
	default <T> Callable<T> decorateCallable(long permits, @Nullable Duration timeout, Callable<T> callable) {
		config().checkPermits(permits);
		PermitCalls.check(timeout, callable, "callable");
		return () -> PermitCalls.call(this, permits, timeout, callable);
	}

	/**
	 * Calls {@code supplier} once a permit is granted, waiting for it up to
	 * {@code config().timeout()}, and returns at once; no thread waits.
	 * @param supplier starts the async call
	 * @param <T> the result type
	 * @return see {@link #executeCompletionStage(Duration, UnaryOperator, Supplier)}
	 */
	default <T> CompletableFuture<T> executeCompletionStage(Supplier<? extends CompletionStage<T>> supplier) {
		return PermitCalls.callStage(this, 1, null, PermitCalls.CURRENT_CONTEXT, supplier);
	}

	/**
	 * Calls {@code supplier} once a permit is granted, waiting for it up to
	 * {@code timeout}, and returns at once; no thread waits. <pre>{@code
	 * CompletableFuture<Quote> quote = limiter.executeCompletionStage(Duration.ofSeconds(2),
	 *         () -> client.quoteAsync(symbol));
	 * }</pre>
	 * @param timeout how long to wait at most, zero or more; {@code null} for
	 * {@code config().timeout()}
	 * @param supplier starts the async call
	 * @param <T> the result type
	 * @return see {@link #executeCompletionStage(Duration, UnaryOperator, Supplier)}
	 * @throws IllegalArgumentException if {@code timeout} is negative
	 */
	default <T> CompletableFuture<T> executeCompletionStage(@Nullable Duration timeout,
			Supplier<? extends CompletionStage<T>> supplier) {
		return PermitCalls.callStage(this, 1, timeout, PermitCalls.CURRENT_CONTEXT, supplier);
	}

	/**
	 * Calls {@code supplier} once a permit is granted and returns at once; no thread
	 * waits. A permit granted now calls {@code supplier} on this thread and returns its
	 * own future (a stage that is not a {@link CompletableFuture} is relayed into one). A
	 * permit granted later calls it on the thread that grants the permit (the limiter's
	 * wake-up thread), in the context {@code callerContext} captured here; the returned
	 * future then completes as {@code supplier}'s stage does, and cancelling it cancels
	 * that stage (interrupting its worker where it can). Cancelling the future while the
	 * permit is pending gives up the place in the queue, consumes no permit and never
	 * calls {@code supplier}. What {@code supplier} throws, or a {@code null} it returns,
	 * fails the future. <pre>{@code
	 * limiter.executeCompletionStage(null, asyncUtils::withCurrentContext, () -> client.sendAsync(request));
	 * }</pre>
	 * @param timeout how long to wait at most, zero or more; {@code null} for
	 * {@code config().timeout()}
	 * @param callerContext wraps a task, on the caller's thread, so that it runs in the
	 * caller's context wherever it runs later, such as
	 * {@code io.lionherd.concurrency.AsyncUtils::withCurrentContext} (the other overloads
	 * carry the SLF4J MDC, the context class loader and, when it is on the class path,
	 * every Micrometer context-propagation value)
	 * @param supplier starts the async call
	 * @param <T> the result type
	 * @return the call's future; it fails with a {@link RateLimitExceededException} (its
	 * cause the {@link java.util.concurrent.TimeoutException}) if no permit came in time,
	 * or with the limiter's own failure (such as a {@link RateLimiterBackendException})
	 * @throws IllegalArgumentException if {@code timeout} is negative
	 */
	default <T> CompletableFuture<T> executeCompletionStage(@Nullable Duration timeout,
			UnaryOperator<Runnable> callerContext, Supplier<? extends CompletionStage<T>> supplier) {
		return PermitCalls.callStage(this, 1, timeout, callerContext, supplier);
	}

	/**
	 * Calls {@code supplier} once {@code permits} are granted and returns at once; no
	 * thread waits. As
	 * {@link #executeCompletionStage(Duration, UnaryOperator, Supplier)}, for a weighted
	 * call. <pre>{@code
	 * limiter.executeCompletionStage(request.maxTokens(), null, asyncUtils::withCurrentContext,
	 *         () -> client.completeAsync(request));
	 * }</pre>
	 * @param permits how many permits the call takes, at least 1 and at most the
	 * {@code max} of every permits-limit (a calls-limit counts the call once)
	 * @param timeout how long to wait at most, zero or more; {@code null} for
	 * {@code config().timeout()}
	 * @param callerContext wraps a task, on the caller's thread, so that it runs in the
	 * caller's context wherever it runs later
	 * @param supplier starts the async call
	 * @param <T> the result type
	 * @return the call's future; see
	 * {@link #executeCompletionStage(Duration, UnaryOperator, Supplier)}
	 * @throws IllegalArgumentException if {@code permits} could never be granted, or
	 * {@code timeout} is negative
	 */
	default <T> CompletableFuture<T> executeCompletionStage(long permits, @Nullable Duration timeout,
			UnaryOperator<Runnable> callerContext, Supplier<? extends CompletionStage<T>> supplier) {
		return PermitCalls.callStage(this, permits, timeout, callerContext, supplier);
	}

	/**
	 * {@code supplier} behind a permit: each call of the result is an
	 * {@link #executeCompletionStage(Supplier)}.
	 * @param supplier starts the async call
	 * @param <T> the result type
	 * @return the rate-limited call
	 */
	default <T> Supplier<CompletableFuture<T>> decorateCompletionStage(
			Supplier<? extends CompletionStage<T>> supplier) {
		return decorateCompletionStage(null, supplier);
	}

	/**
	 * {@code supplier} behind a permit: each call of the result is an
	 * {@link #executeCompletionStage(Duration, Supplier)}.
	 * @param timeout how long each call waits at most, zero or more; {@code null} for
	 * {@code config().timeout()}
	 * @param supplier starts the async call
	 * @param <T> the result type
	 * @return the rate-limited call
	 */
	default <T> Supplier<CompletableFuture<T>> decorateCompletionStage(@Nullable Duration timeout,
			Supplier<? extends CompletionStage<T>> supplier) {
		PermitCalls.check(timeout, supplier, "supplier");
		return () -> PermitCalls.callStage(this, 1, timeout, PermitCalls.CURRENT_CONTEXT, supplier);
	}

	/**
	 * {@code supplier} behind {@code permits}: each call of the result is an
	 * {@link #executeCompletionStage(long, Duration, UnaryOperator, Supplier)} in the
	 * caller's context as {@link #executeCompletionStage(Duration, Supplier)} captures
	 * it.
	 * @param permits how many permits each call takes
	 * @param timeout how long each call waits at most, zero or more; {@code null} for
	 * {@code config().timeout()}
	 * @param supplier starts the async call
	 * @param <T> the result type
	 * @return the rate-limited call
	 * @throws IllegalArgumentException if {@code permits} could never be granted, or
	 * {@code timeout} is negative
	 */
	default <T> Supplier<CompletableFuture<T>> decorateCompletionStage(long permits, @Nullable Duration timeout,
			Supplier<? extends CompletionStage<T>> supplier) {
		config().checkPermits(permits);
		PermitCalls.check(timeout, supplier, "supplier");
		return () -> PermitCalls.callStage(this, permits, timeout, PermitCalls.CURRENT_CONTEXT, supplier);
	}

	/**
	 * An unnamed in-memory limiter on the system's monotonic clock and the shared timer
	 * thread; granted waiters complete on the shared wake-up threads.
	 * {@code AsyncUtils.rateLimiter} gives one on that instance's clock, timer and
	 * wake-up executor instead.
	 * @param maxCalls the most permits granted in any window, at least 1
	 * @param period the window length, positive
	 * @return a new limiter
	 */
	static RateLimiter slidingWindow(int maxCalls, Duration period) {
		return slidingWindow("", RateLimiterConfig.of(maxCalls, period));
	}

	/**
	 * A named in-memory limiter on the system's monotonic clock and the shared timer
	 * thread. It is in no registry: use
	 * {@link RateLimiterRegistry#rateLimiter(String, RateLimiterConfig)} for a limiter
	 * that is published as meters and found by name.
	 * @param name the limiter's name
	 * @param config how it limits
	 * @return a new limiter
	 */
	static RateLimiter slidingWindow(String name, RateLimiterConfig config) {
		return RateLimiterFactory.inMemory().create(name, config, RateLimiterListener.none());
	}

}
