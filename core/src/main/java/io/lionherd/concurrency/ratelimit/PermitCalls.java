package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import io.lionherd.concurrency.Stages;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.ContextCapture;
import org.jspecify.annotations.Nullable;

/**
 * The calls behind {@link RateLimiter}'s decorators. Each asks for its permit with
 * {@code acquire}, never a {@code tryAcquire} probe first: on a distributed limiter that
 * would be a blocking round trip on the caller's thread, and a refusal counted twice.
 */
final class PermitCalls {

	/** The core's own capture: MDC, context class loader, Micrometer context. */
	static final UnaryOperator<Runnable> CURRENT_CONTEXT = ContextCapture.detect()::inCurrentContext;

	private PermitCalls() {
	}

	/** Checks a decorator's arguments when it is made rather than at its first call. */
	static void check(@Nullable Duration timeout, Object call, String name) {
		if (timeout != null) {
			Checks.notNegative(timeout, "timeout");
		}
		Checks.notNull(call, name);
	}

	static <T> T call(RateLimiter limiter, long permits, @Nullable Duration timeout, Callable<T> callable)
			throws Exception {
		Checks.notNull(callable, "callable");
		CompletableFuture<Void> permit = acquire(limiter, permits, timeout);
		try {
			permit.get();
		}
		catch (InterruptedException ex) {
			permit.cancel(false);
			Thread.currentThread().interrupt();
			throw new RateLimitExceededException(limiter.name(),
					"Interrupted while waiting for a permit of rate limiter '" + limiter.name() + "'", ex);
		}
		catch (ExecutionException ex) {
			Throwable failure = exceeded(limiter, ex);
			if (failure instanceof Error error) {
				throw error;
			}
			throw (failure instanceof Exception exception) ? exception : ex;
		}
		return callable.call();
	}

	static <T> CompletableFuture<T> callStage(RateLimiter limiter, long permits, @Nullable Duration timeout,
			UnaryOperator<Runnable> callerContext, Supplier<? extends CompletionStage<T>> supplier) {
		Checks.notNull(callerContext, "callerContext");
		Checks.notNull(supplier, "supplier");
		CompletableFuture<Void> permit = acquire(limiter, permits, timeout);
		if (permit.isDone() && !permit.isCompletedExceptionally()) {
			// Granted now: the caller's thread calls the supplier, as without a limiter.
			return stageOf(limiter, supplier);
		}
		CompletableFuture<T> result = new CompletableFuture<>();
		// Wrapped here, on the caller's thread, so that it captures the caller's context.
		Runnable call = Checks.notNull(callerContext.apply(() -> Stages.relay(stageOf(limiter, supplier), result)),
				"runnable returned by callerContext");
		permit.whenComplete((granted, error) -> {
			if (error != null) {
				result.completeExceptionally(exceeded(limiter, error));
			}
			else if (!result.isDone()) {
				call.run();
			}
		});
		result.whenComplete((value, error) -> {
			if (result.isCancelled()) {
				permit.cancel(false);
			}
		});
		return result;
	}

	private static CompletableFuture<Void> acquire(RateLimiter limiter, long permits, @Nullable Duration timeout) {
		if (permits == 1) {
			return (timeout != null) ? limiter.acquire(Checks.notNegative(timeout, "timeout")) : limiter.acquire();
		}
		return (timeout != null) ? limiter.acquire(permits, Checks.notNegative(timeout, "timeout"))
				: limiter.acquire(permits);
	}

	/**
	 * What the supplier returns as a future; what it throws, or a {@code null} it
	 * returns, fails that future, as it does when the supplier is called later.
	 */
	@SuppressWarnings("unchecked")
	private static <T> CompletableFuture<T> stageOf(RateLimiter limiter,
			Supplier<? extends CompletionStage<T>> supplier) {
		CompletionStage<T> stage;
		try {
			stage = supplier.get();
		}
		catch (Throwable ex) {
			return CompletableFuture.failedFuture(ex);
		}
		if (stage instanceof CompletableFuture<?> future) {
			return (CompletableFuture<T>) future;
		}
		if (stage == null) {
			return CompletableFuture.failedFuture(new NullPointerException("The supplier rate limited by '"
					+ limiter.name() + "' returned null instead of a CompletionStage"));
		}
		return Stages.relay(stage, new CompletableFuture<>());
	}

	/** A permit that did not come in time is a {@link RateLimitExceededException}. */
	private static Throwable exceeded(RateLimiter limiter, Throwable error) {
		Throwable cause = Stages.unwrap(error);
		if (cause instanceof TimeoutException) {
			Duration retryAfter = (cause instanceof PermitTimeoutException timeout) ? timeout.retryAfter().orElse(null)
					: null;
			return new RateLimitExceededException(limiter.name(),
					"No permit of rate limiter '" + limiter.name() + "' in time: " + cause.getMessage(), cause,
					retryAfter);
		}
		return cause;
	}

}
