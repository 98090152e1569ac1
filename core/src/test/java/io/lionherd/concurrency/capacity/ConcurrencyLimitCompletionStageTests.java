package io.lionherd.concurrency.capacity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import io.lionherd.concurrency.CapacityLimiter.Permit;
import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ConcurrencyLimit#executeCompletionStage}: nobody waits, the permit is
 * held from the call until its stage completes and is closed exactly once on every path.
 * One permit, on {@link ManualTime} with timeouts failing inline; every permit closed is
 * counted by {@link CountingLimit}.
 */
class ConcurrencyLimitCompletionStageTests {

	private final ManualTime time = new ManualTime();

	private final CountingLimit limit = new CountingLimit(
			ConcurrencyLimitFactory.inMemory(this.time, this.time, ManualTime.DIRECT)
				.create("provider", ConcurrencyLimitConfig.of(1), ConcurrencyLimitListener.none()));

	private final AtomicInteger calls = new AtomicInteger();

	@AfterEach
	void clearMdc() {
		MDC.clear();
	}

	private Permit hold() {
		return this.limit.acquire().join();
	}

	private <T> Supplier<CompletionStage<T>> counted(CompletionStage<T> stage) {
		return () -> {
			this.calls.incrementAndGet();
			return stage;
		};
	}

	private void assertEveryPermitClosedOnce() {
		assertThat(this.limit.inUse()).isZero();
		assertThat(this.limit.waitingCount()).isZero();
		assertThat(this.limit.closesPerPermit()).isNotEmpty().containsOnly(1);
	}

	// --- granted now

	@Test
	void grantedNowCallsTheSupplierOnTheCallersThread() {
		AtomicReference<Thread> caller = new AtomicReference<>();
		this.limit.executeCompletionStage(() -> {
			caller.set(Thread.currentThread());
			return CompletableFuture.completedFuture("ok");
		});
		assertThat(caller).hasValue(Thread.currentThread());
	}

	@Test
	void grantedNowHoldsThePermitUntilTheStageCompletes() {
		CompletableFuture<String> stage = new CompletableFuture<>();
		CompletableFuture<String> result = this.limit.executeCompletionStage(counted(stage));
		assertThat(this.limit.inUse()).isOne();
		stage.complete("ok");
		assertThat(result).isCompletedWithValue("ok");
		assertEveryPermitClosedOnce();
	}

	@Test
	void grantedNowTheResultCompletesOnlyAfterThePermitIsReleased() {
		CompletableFuture<String> stage = new CompletableFuture<>();
		CompletableFuture<Integer> inUseSeenByContinuation = this.limit.executeCompletionStage(counted(stage))
			.thenApply((value) -> this.limit.inUse());
		stage.complete("ok");
		assertThat(inUseSeenByContinuation).isCompletedWithValue(0);
	}

	@Test
	void aContinuationOfTheResultGetsThePermitAgainWithAZeroTimeout() {
		CompletableFuture<String> first = new CompletableFuture<>();
		CompletableFuture<String> chained = this.limit.executeCompletionStage(counted(first))
			.thenCompose((value) -> this.limit.executeCompletionStage(Duration.ZERO, UnaryOperator.identity(),
					counted(CompletableFuture.completedFuture(value + " then second"))));
		first.complete("first");
		assertThat(chained).isCompletedWithValue("first then second");
		assertEveryPermitClosedOnce();
	}

	@Test
	void grantedNowASupplierThatThrowsReleasesAndFailsTheResult() {
		IllegalStateException boom = new IllegalStateException("boom");
		CompletableFuture<String> result = this.limit.executeCompletionStage(() -> {
			throw boom;
		});
		assertThat(result).isCompletedExceptionally();
		assertThatExceptionOfType(Exception.class).isThrownBy(() -> result.get(5, TimeUnit.SECONDS)).withCause(boom);
		assertEveryPermitClosedOnce();
	}

	@Test
	void grantedNowASupplierReturningNullReleasesAndFailsTheResult() {
		CompletableFuture<String> result = this.limit.executeCompletionStage(() -> null);
		assertThatExceptionOfType(Exception.class).isThrownBy(() -> result.get(5, TimeUnit.SECONDS))
			.havingCause()
			.isInstanceOf(NullPointerException.class)
			.withMessage("The supplier limited by 'provider' returned null instead of a CompletionStage");
		assertEveryPermitClosedOnce();
	}

	@Test
	void aStageThatFailsReleasesAndFailsTheResultWithItsOwnException() {
		CompletableFuture<String> stage = new CompletableFuture<>();
		CompletableFuture<String> result = this.limit.executeCompletionStage(counted(stage));
		IllegalStateException boom = new IllegalStateException("boom");
		stage.completeExceptionally(boom);
		assertThatExceptionOfType(Exception.class).isThrownBy(() -> result.get(5, TimeUnit.SECONDS)).withCause(boom);
		assertEveryPermitClosedOnce();
	}

	@Test
	void cancellingTheResultAfterTheCallStartedCancelsTheStageAndReleases() {
		CompletableFuture<String> stage = new CompletableFuture<>();
		CompletableFuture<String> result = this.limit.executeCompletionStage(counted(stage));
		assertThat(result.cancel(true)).isTrue();
		assertThat(stage).isCancelled();
		assertEveryPermitClosedOnce();
	}

	@Test
	void cancellingTheResultReleasesThePermitOnlyOnceTheStageItselfIsCancelled() {
		AtomicInteger inUseWhileTheStageIsCancelled = new AtomicInteger(-1);
		CompletableFuture<String> stage = new CompletableFuture<>() {
			@Override
			public boolean cancel(boolean mayInterruptIfRunning) {
				inUseWhileTheStageIsCancelled.set(ConcurrencyLimitCompletionStageTests.this.limit.inUse());
				return super.cancel(mayInterruptIfRunning);
			}
		};
		CompletableFuture<String> result = this.limit.executeCompletionStage(counted(stage));
		result.cancel(true);
		assertThat(inUseWhileTheStageIsCancelled).hasValue(1);
		assertEveryPermitClosedOnce();
	}

	@Test
	void aStageThatCannotBeCancelledKeepsItsPermitUntilItCompletes() {
		CompletableFuture<String> source = new CompletableFuture<>();
		CompletableFuture<String> result = this.limit.executeCompletionStage(counted(source.minimalCompletionStage()));
		result.cancel(true);
		assertThat(this.limit.inUse()).isOne();
		source.complete("late");
		assertEveryPermitClosedOnce();
	}

	@Test
	void aSecondCallWaitsForTheFirstsStage() {
		CompletableFuture<String> first = new CompletableFuture<>();
		this.limit.executeCompletionStage(counted(first));
		CompletableFuture<String> second = this.limit
			.executeCompletionStage(counted(CompletableFuture.completedFuture("second")));
		assertThat(this.calls).hasValue(1);
		assertThat(second).isNotDone();
		first.complete("first");
		assertThat(this.calls).hasValue(2);
		assertThat(second).isCompletedWithValue("second");
		assertEveryPermitClosedOnce();
	}

	// --- granted later

	@Test
	void grantedLaterCallsTheSupplierOnTheThreadThatFreedThePermit() throws Exception {
		Permit held = hold();
		AtomicReference<Thread> caller = new AtomicReference<>();
		CompletableFuture<String> result = this.limit.executeCompletionStage(() -> {
			caller.set(Thread.currentThread());
			return CompletableFuture.completedFuture("ok");
		});
		Thread releaser = new Thread(held::close, "releaser");
		releaser.start();
		releaser.join();
		assertThat(caller).hasValue(releaser);
		assertThat(result).isCompletedWithValue("ok");
		assertEveryPermitClosedOnce();
	}

	@Test
	void grantedLaterTheResultCompletesOnlyAfterThePermitIsReleased() {
		Permit held = hold();
		CompletableFuture<String> stage = new CompletableFuture<>();
		CompletableFuture<Integer> inUseSeenByContinuation = this.limit.executeCompletionStage(counted(stage))
			.thenApply((value) -> this.limit.inUse());
		held.close();
		stage.complete("ok");
		assertThat(inUseSeenByContinuation).isCompletedWithValue(0);
	}

	@Test
	void grantedLaterASupplierThatThrowsReleasesAndFailsTheResult() {
		Permit held = hold();
		IllegalStateException boom = new IllegalStateException("boom");
		CompletableFuture<String> result = this.limit.executeCompletionStage(() -> {
			throw boom;
		});
		held.close();
		assertThatExceptionOfType(Exception.class).isThrownBy(() -> result.get(5, TimeUnit.SECONDS)).withCause(boom);
		assertEveryPermitClosedOnce();
	}

	@Test
	void grantedLaterASupplierReturningNullReleasesAndFailsTheResult() {
		Permit held = hold();
		CompletableFuture<String> result = this.limit.executeCompletionStage(() -> null);
		held.close();
		assertThatExceptionOfType(Exception.class).isThrownBy(() -> result.get(5, TimeUnit.SECONDS))
			.havingCause()
			.isInstanceOf(NullPointerException.class);
		assertEveryPermitClosedOnce();
	}

	@Test
	void cancellingTheResultWhileItWaitsGivesUpItsPlaceAndNeverCalls() {
		Permit held = hold();
		CompletableFuture<String> result = this.limit
			.executeCompletionStage(counted(CompletableFuture.completedFuture("never")));
		assertThat(this.limit.waitingCount()).isOne();
		assertThat(result.cancel(true)).isTrue();
		assertThat(this.limit.waitingCount()).isZero();
		held.close();
		assertThat(this.calls).hasValue(0);
		assertEveryPermitClosedOnce();
	}

	@Test
	void completingTheResultWhileItWaitsGivesUpItsPlaceAndNeverCalls() {
		Permit held = hold();
		CompletableFuture<String> result = this.limit
			.executeCompletionStage(counted(CompletableFuture.completedFuture("never")));
		// As orTimeout does: completed by its caller, not cancelled.
		result.completeExceptionally(new IllegalStateException("gave up"));
		assertThat(this.limit.waitingCount()).isZero();
		held.close();
		assertThat(this.calls).hasValue(0);
		assertEveryPermitClosedOnce();
	}

	@Test
	void cancellingTheResultOnceTheCallRanCancelsItsStageAndReleases() {
		Permit held = hold();
		CompletableFuture<String> stage = new CompletableFuture<>();
		CompletableFuture<String> result = this.limit.executeCompletionStage(counted(stage));
		held.close();
		assertThat(this.calls).hasValue(1);
		result.cancel(true);
		assertThat(stage).isCancelled();
		assertEveryPermitClosedOnce();
	}

	@Test
	void aTimeoutWhileWaitingFailsWithConcurrencyLimitExceededAndNeverCalls() {
		Permit held = hold();
		CompletableFuture<String> result = this.limit.executeCompletionStage(Duration.ofSeconds(2),
				UnaryOperator.identity(), counted(CompletableFuture.completedFuture("never")));
		this.time.advance(Duration.ofSeconds(2));
		assertThatExceptionOfType(Exception.class).isThrownBy(() -> result.get(5, TimeUnit.SECONDS))
			.havingCause()
			.isInstanceOf(ConcurrencyLimitExceededException.class)
			.withMessage("No permit of concurrency limit 'provider' within PT2S (1 in use)");
		held.close();
		assertThat(this.calls).hasValue(0);
		assertEveryPermitClosedOnce();
	}

	@Test
	void aZeroTimeoutWithNoPermitFreeFailsAtOnce() {
		Permit held = hold();
		CompletableFuture<String> result = this.limit.executeCompletionStage(Duration.ZERO, UnaryOperator.identity(),
				counted(CompletableFuture.completedFuture("never")));
		assertThat(result).isCompletedExceptionally();
		assertThatExceptionOfType(Exception.class).isThrownBy(() -> result.get(5, TimeUnit.SECONDS))
			.havingCause()
			.isInstanceOf(ConcurrencyLimitExceededException.class);
		held.close();
		assertEveryPermitClosedOnce();
	}

	@Test
	void aNegativeTimeoutIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limit.executeCompletionStage(Duration.ofMillis(-1), UnaryOperator.identity(),
					counted(CompletableFuture.completedFuture("never"))))
			.withMessage("timeout must be zero or positive, but was PT-0.001S");
		assertThat(this.calls).hasValue(0);
	}

	@Test
	void waitingCallsRunInArrivalOrder() {
		Permit held = hold();
		List<Integer> order = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			int index = i;
			this.limit.executeCompletionStage(() -> {
				order.add(index);
				return CompletableFuture.completedFuture(index);
			});
		}
		held.close();
		assertThat(order).containsExactly(0, 1, 2);
		assertEveryPermitClosedOnce();
	}

	// --- the caller's context

	@Test
	void theCallersMdcIsRestoredForALaterGrant() {
		Permit held = hold();
		MDC.put("request", "r-1");
		AtomicReference<String> seen = new AtomicReference<>();
		this.limit.executeCompletionStage(() -> {
			seen.set(MDC.get("request"));
			return CompletableFuture.completedFuture("ok");
		});
		MDC.remove("request");
		held.close();
		assertThat(seen).hasValue("r-1");
		assertThat(MDC.get("request")).isNull();
	}

	@Test
	void theGivenCallerContextWrapsTheLaterCallOnTheCallersThread() {
		Permit held = hold();
		ThreadLocal<String> tenant = new ThreadLocal<>();
		tenant.set("acme");
		AtomicReference<String> seen = new AtomicReference<>();
		this.limit.executeCompletionStage(null, (call) -> {
			String captured = tenant.get();
			return () -> {
				tenant.set(captured);
				try {
					call.run();
				}
				finally {
					tenant.remove();
				}
			};
		}, () -> {
			seen.set(tenant.get());
			return CompletableFuture.completedFuture("ok");
		});
		tenant.remove();
		held.close();
		assertThat(seen).hasValue("acme");
	}

	@Test
	void aCallerContextWhoseRunnableFailsReleasesThePermitAndFailsTheResult() {
		Permit held = hold();
		IllegalStateException restoreFailed = new IllegalStateException("context restore failed");
		CompletableFuture<String> result = this.limit.executeCompletionStage(null, (call) -> () -> {
			throw restoreFailed;
		}, counted(CompletableFuture.completedFuture("never")));
		held.close();
		assertThat(result).isCompletedExceptionally();
		assertThatExceptionOfType(Exception.class).isThrownBy(() -> result.get(5, TimeUnit.SECONDS))
			.withCause(restoreFailed);
		assertThat(this.calls).hasValue(0);
		assertEveryPermitClosedOnce();
	}

	@Test
	void aCallerContextWhoseRunnableSkipsTheCallReleasesThePermitAndFailsTheResult() {
		Permit held = hold();
		CompletableFuture<String> result = this.limit.executeCompletionStage(null, (call) -> () -> {
		}, counted(CompletableFuture.completedFuture("never")));
		held.close();
		assertThat(result).isCompletedExceptionally();
		assertThatExceptionOfType(Exception.class).isThrownBy(() -> result.get(5, TimeUnit.SECONDS))
			.havingCause()
			.isInstanceOf(IllegalStateException.class)
			.withMessage(
					"The runnable returned by callerContext for concurrency limit 'provider' did not run the call");
		assertEveryPermitClosedOnce();
	}

	@Test
	void cancellationOfTheResultIsReportedAsCancellation() {
		Permit held = hold();
		CompletableFuture<String> result = this.limit
			.executeCompletionStage(counted(CompletableFuture.completedFuture("never")));
		result.cancel(false);
		assertThatExceptionOfType(CancellationException.class).isThrownBy(() -> result.get(5, TimeUnit.SECONDS));
		held.close();
	}

}
