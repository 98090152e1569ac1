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
 * call runs, released once however the call ends, and released before the call's result
 * completes (so that a continuation of the result finds the permit free again).
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
		CompletableFuture<T> result = new CompletableFuture<>();
		if (acquiring.isDone() && !acquiring.isCompletedExceptionally()) {
			// Granted now: the caller's thread calls the supplier, as without a limit.
			run(limit, acquiring.join(), supplier, result);
			return result;
		}
		LaterCall<T> later = new LaterCall<>(limit, supplier, result);
		Runnable inContext = Checks.notNull(callerContext.apply(later), "runnable returned by callerContext");
		acquiring.whenComplete((permit, error) -> {
			if (error != null) {
				result.completeExceptionally(Stages.unwrap(error));
			}
			else {
				later.runGranted(permit, inContext);
			}
		});
		// However the result completes first (cancel, orTimeout, complete), the wait is
		// given up; once granted, this does nothing.
		result.whenComplete((value, error) -> acquiring.cancel(false));
		return result;
	}

	private static CompletableFuture<CapacityLimiter.Permit> acquire(ConcurrencyLimit limit,
			@Nullable Duration timeout) {
		return (timeout != null) ? limit.acquire(Checks.notNegative(timeout, "timeout")) : limit.acquire();
	}

	/**
	 * Calls the supplier holding {@code permit}, closes it when the supplier's stage
	 * completes (or at once if the supplier throws, returns {@code null}, or the result
	 * is already done), and only then completes {@code result}.
	 */
	private static <T> void run(ConcurrencyLimit limit, CapacityLimiter.Permit permit,
			Supplier<? extends CompletionStage<T>> supplier, CompletableFuture<T> result) {
		if (result.isDone()) {
			permit.close();
			return;
		}
		CompletionStage<T> stage;
		try {
			stage = supplier.get();
		}
		catch (Throwable ex) {
			permit.close();
			result.completeExceptionally(ex);
			return;
		}
		if (stage == null) {
			permit.close();
			result.completeExceptionally(new NullPointerException(
					"The supplier limited by '" + limit.name() + "' returned null instead of a CompletionStage"));
			return;
		}
		// One callback on the stage itself that releases, then completes: a callback on
		// another future could release while the stage (say, being cancelled) still runs,
		// and two callbacks on one stage run in no guaranteed order.
		stage.whenComplete((value, error) -> {
			permit.close();
			if (error != null) {
				result.completeExceptionally(Stages.unwrap(error));
			}
			else {
				result.complete(value);
			}
		});
		// Only to pass a cancel of the result on to the stage, the library's way.
		CompletableFuture<T> canceller = Stages.relay(stage, new CompletableFuture<>());
		result.whenComplete((value, error) -> {
			if (result.isCancelled()) {
				canceller.cancel(true);
			}
		});
	}

	/** The call made when a permit is granted later, in the caller's context. */
	private static final class LaterCall<T> implements Runnable {

		private final ConcurrencyLimit limit;

		private final Supplier<? extends CompletionStage<T>> supplier;

		private final CompletableFuture<T> result;

		private CapacityLimiter.@Nullable Permit permit;

		private boolean ran;

		LaterCall(ConcurrencyLimit limit, Supplier<? extends CompletionStage<T>> supplier,
				CompletableFuture<T> result) {
			this.limit = limit;
			this.supplier = supplier;
			this.result = result;
		}

		/** On the granting thread, which also runs {@link #run()} through the context. */
		void runGranted(CapacityLimiter.Permit granted, Runnable inContext) {
			this.permit = granted;
			try {
				inContext.run();
			}
			catch (RuntimeException | Error ex) {
				if (!this.ran) {
					granted.close();
					this.result.completeExceptionally(ex);
					return;
				}
				throw ex;
			}
			if (!this.ran) {
				granted.close();
				this.result
					.completeExceptionally(new IllegalStateException("The runnable returned by callerContext for "
							+ "concurrency limit '" + this.limit.name() + "' did not run the call"));
			}
		}

		@Override
		public void run() {
			CapacityLimiter.Permit granted = Checks.notNull(this.permit, "permit");
			this.ran = true;
			LimitCalls.run(this.limit, granted, this.supplier, this.result);
		}

	}

}
