package io.lionherd.concurrency.capacity;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.Stages;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.ContextCapture;
import org.jspecify.annotations.Nullable;

/**
 * The calls behind {@link ConcurrencyLimit}'s decorators: a permit held exactly while the
 * call runs, released once however the call ends.
 */
final class LimitCalls {

	/** The core's own capture: MDC, context class loader, Micrometer context. */
	static final UnaryOperator<Runnable> CURRENT_CONTEXT = ContextCapture.detect()::inCurrentContext;

	private LimitCalls() {
	}

	static <T> T call(ConcurrencyLimit limit, @Nullable Duration timeout, Callable<T> callable) throws Exception {
		Checks.notNull(callable, "callable");
		CompletableFuture<CapacityLimiter.Permit> acquiring = acquire(limit, timeout);
		CapacityLimiter.Permit permit;
		try {
			permit = acquiring.get();
		}
		catch (InterruptedException ex) {
			// A grant racing the interrupt is released by the cancel (or below).
			if (!acquiring.cancel(false)) {
				acquiring.thenAccept(CapacityLimiter.Permit::close);
			}
			Thread.currentThread().interrupt();
			throw new ConcurrencyLimitExceededException(limit.name(),
					"Interrupted while waiting for a permit of concurrency limit '" + limit.name() + "'", ex);
		}
		catch (ExecutionException ex) {
			Throwable failure = Stages.unwrap(ex);
			if (failure instanceof Error error) {
				throw error;
			}
			throw (failure instanceof Exception exception) ? exception : ex;
		}
		try (permit) {
			return callable.call();
		}
	}

	static <T> CompletableFuture<T> callStage(ConcurrencyLimit limit, @Nullable Duration timeout,
			UnaryOperator<Runnable> callerContext, Supplier<? extends CompletionStage<T>> supplier) {
		Checks.notNull(callerContext, "callerContext");
		Checks.notNull(supplier, "supplier");
		CompletableFuture<CapacityLimiter.Permit> acquiring = acquire(limit, timeout);
		if (acquiring.isDone() && !acquiring.isCompletedExceptionally()) {
			// Granted now: the caller's thread calls the supplier, as without a limit.
			return released(limit, acquiring.join(), supplier);
		}
		CompletableFuture<T> result = new CompletableFuture<>();
		CapacityLimiter.Permit[] granted = new CapacityLimiter.Permit[1];
		Runnable call = Checks.notNull(callerContext.apply(() -> {
			CompletableFuture<T> stage = released(limit, granted[0], supplier);
			Stages.relay(stage, result);
			result.whenComplete((value, error) -> {
				if (result.isCancelled()) {
					stage.cancel(true);
				}
			});
		}), "runnable returned by callerContext");
		acquiring.whenComplete((permit, error) -> {
			if (error != null) {
				result.completeExceptionally(Stages.unwrap(error));
			}
			else if (result.isDone()) {
				permit.close();
			}
			else {
				granted[0] = permit;
				call.run();
			}
		});
		result.whenComplete((value, error) -> {
			if (result.isCancelled()) {
				acquiring.cancel(false);
			}
		});
		return result;
	}

	private static CompletableFuture<CapacityLimiter.Permit> acquire(ConcurrencyLimit limit,
			@Nullable Duration timeout) {
		return (timeout != null) ? limit.acquire(Checks.notNegative(timeout, "timeout")) : limit.acquire();
	}

	/**
	 * The supplier's stage as a future, the permit released when it completes; what the
	 * supplier throws, or a {@code null} it returns, fails that future.
	 */
	@SuppressWarnings("unchecked")
	private static <T> CompletableFuture<T> released(ConcurrencyLimit limit, CapacityLimiter.Permit permit,
			Supplier<? extends CompletionStage<T>> supplier) {
		CompletionStage<T> stage;
		try {
			stage = supplier.get();
		}
		catch (Throwable ex) {
			permit.close();
			return CompletableFuture.failedFuture(ex);
		}
		if (stage == null) {
			permit.close();
			return CompletableFuture.failedFuture(new NullPointerException(
					"The supplier limited by '" + limit.name() + "' returned null instead of a CompletionStage"));
		}
		stage.whenComplete((value, error) -> permit.close());
		return (stage instanceof CompletableFuture<?> future) ? (CompletableFuture<T>) future
				: Stages.relay(stage, new CompletableFuture<>());
	}

}
