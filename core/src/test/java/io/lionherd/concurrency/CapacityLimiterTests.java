package io.lionherd.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.CapacityLimiter.Permit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Semantics of {@link CapacityLimiter}. The tests of lionherd-core's CapacityLimiter
 * ({@code tests/libs/concurrency/test_primitives.py}) and of anyio's, which it wraps, are
 * ported in {@link CapacityLimiterPortedTests}; those marked "anyio/lionherd-core
 * semantics" here restate the behaviours they promise.
 */
class CapacityLimiterTests {

	private final ManualTime time = new ManualTime();

	private final CapacityLimiter limiter = CapacityLimiter.of(2, this.time, ManualTime.DIRECT);

	// anyio/lionherd-core semantics: total_tokens, borrowed_tokens, available_tokens
	@Test
	void countsTrackAcquireAndRelease() {
		Permit permit = this.limiter.acquire().join();
		assertThat(this.limiter.total()).isEqualTo(2);
		assertThat(this.limiter.borrowed()).isEqualTo(1);
		assertThat(this.limiter.available()).isEqualTo(1);
		permit.close();
		assertThat(this.limiter.borrowed()).isZero();
		assertThat(this.limiter.available()).isEqualTo(2);
		assertThat(this.limiter).hasToString("CapacityLimiter[total=2, borrowed=0, waiting=0]");
	}

	@Test
	void ofRejectsATotalBelowOne() {
		assertThatIllegalArgumentException().isThrownBy(() -> CapacityLimiter.of(0))
			.withMessage("total must be at least 1, but was 0");
	}

	@Test
	void setTotalRejectsATotalBelowOne() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.limiter.setTotal(0))
			.withMessage("total must be at least 1, but was 0");
		assertThat(this.limiter.total()).isEqualTo(2);
	}

	@Test
	void acquireRejectsANullBorrower() {
		assertThatExceptionOfType(NullPointerException.class).isThrownBy(() -> this.limiter.acquire((Object) null))
			.withMessage("borrower must not be null");
	}

	@Test
	void acquireRejectsANullTimeout() {
		assertThatExceptionOfType(NullPointerException.class).isThrownBy(() -> this.limiter.acquire((Duration) null))
			.withMessage("timeout must not be null");
	}

	@Test
	void acquireRejectsANegativeTimeout() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.limiter.acquire(Duration.ofMillis(-1)))
			.withMessage("timeout must be zero or positive, but was PT-0.001S");
	}

	@Test
	void waitersAreGrantedInArrivalOrder() {
		Permit first = this.limiter.acquire().join();
		Permit second = this.limiter.acquire().join();
		List<Integer> order = new ArrayList<>();
		List<CompletableFuture<Permit>> waiting = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			int index = i;
			CompletableFuture<Permit> waiter = this.limiter.acquire();
			waiter.thenRun(() -> order.add(index));
			waiting.add(waiter);
		}
		assertThat(this.limiter.waitingCount()).isEqualTo(3);
		first.close();
		assertThat(order).containsExactly(0);
		second.close();
		assertThat(order).containsExactly(0, 1);
		waiting.get(0).join().close();
		assertThat(order).containsExactly(0, 1, 2);
	}

	@Test
	void tryAcquireNeverOvertakesAWaiter() {
		Permit first = this.limiter.acquire().join();
		this.limiter.acquire().join();
		CompletableFuture<Permit> waiter = this.limiter.acquire();
		assertThat(this.limiter.tryAcquire()).isEmpty();
		first.close();
		// The freed permit went to the waiter, not to a later tryAcquire.
		assertThat(waiter).isCompleted();
		assertThat(this.limiter.tryAcquire()).isEmpty();
		assertThat(this.limiter.borrowed()).isEqualTo(2);
	}

	@Test
	void tryAcquireIsEmptyWhileAWaiterIsQueuedEvenIfTheTotalRises() {
		this.limiter.acquire().join();
		this.limiter.acquire().join();
		CompletableFuture<Permit> waiter = this.limiter.acquire();
		assertThat(this.limiter.tryAcquire()).isEmpty();
		this.limiter.setTotal(3);
		assertThat(waiter).isCompleted();
		assertThat(this.limiter.tryAcquire()).isEmpty();
	}

	@Test
	void zeroTimeoutGrantsNowOrFailsNow() {
		Permit first = this.limiter.acquire(Duration.ZERO).join();
		this.limiter.acquire(Duration.ZERO).join();
		CompletableFuture<Permit> refused = this.limiter.acquire(Duration.ZERO);
		assertThat(refused).isCompletedExceptionally();
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(refused::get)
			.withCauseInstanceOf(TimeoutException.class);
		assertThat(this.limiter.borrowed()).isEqualTo(2);
		first.close();
	}

	@Test
	void timeoutFailsWithTimeoutExceptionAndTakesNothing() {
		Permit first = this.limiter.acquire().join();
		this.limiter.acquire().join();
		CompletableFuture<Permit> waiter = this.limiter.acquire(Duration.ofSeconds(1));
		this.time.advance(Duration.ofMillis(999));
		assertThat(waiter).isNotDone();
		this.time.advance(Duration.ofMillis(1));
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(waiter::get)
			.withCauseInstanceOf(TimeoutException.class)
			.withMessageContaining("within PT1S");
		assertThat(this.limiter.waitingCount()).isZero();
		first.close();
		assertThat(this.limiter.borrowed()).isEqualTo(1);
		assertThat(this.limiter.available()).isEqualTo(1);
	}

	@Test
	void aGrantCancelsTheTimeout() {
		Permit first = this.limiter.acquire().join();
		this.limiter.acquire().join();
		CompletableFuture<Permit> waiter = this.limiter.acquire(Duration.ofSeconds(1));
		assertThat(this.time.pendingCount()).isEqualTo(1);
		first.close();
		assertThat(waiter).isCompleted();
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void cancelGivesUpThePlaceAndTheNextWaiterIsGranted() {
		Permit first = this.limiter.acquire().join();
		this.limiter.acquire().join();
		CompletableFuture<Permit> cancelled = this.limiter.acquire(Duration.ofSeconds(5));
		CompletableFuture<Permit> next = this.limiter.acquire();
		assertThat(cancelled.cancel(true)).isTrue();
		assertThat(this.limiter.waitingCount()).isEqualTo(1);
		assertThat(this.time.pendingCount()).isZero();
		first.close();
		assertThat(next).isCompleted();
		assertThat(this.limiter.borrowed()).isEqualTo(2);
		assertThat(this.limiter.waitingCount()).isZero();
	}

	@Test
	void aGrantThatLosesToACancelPassesThePermitOn() {
		CapacityLimiter one = CapacityLimiter.of(1, this.time, ManualTime.DIRECT);
		Permit held = one.acquire().join();
		CompletableFuture<Permit> first = one.acquire();
		CompletableFuture<Permit> second = one.acquire();
		CompletableFuture<Permit> third = one.acquire();
		AtomicInteger waitingAfterDecision = new AtomicInteger(-1);
		// Closing inline decides the grant for the second waiter (it leaves the queue and
		// counts as borrowed) but completes it only after this continuation returns: the
		// cancel lands between the decision and the completion.
		first.thenAccept((permit) -> {
			permit.close();
			waitingAfterDecision.set(one.waitingCount());
			assertThat(second.cancel(false)).isTrue();
		});
		held.close();
		assertThat(waitingAfterDecision).hasValue(1);
		assertThat(second).isCancelled();
		assertThat(third).isCompleted();
		assertThat(one.borrowed()).isEqualTo(1);
		third.join().close();
		assertThat(one.borrowed()).isZero();
		assertThat(one.available()).isEqualTo(1);
	}

	@Test
	void doubleCloseReleasesOnce() {
		Permit first = this.limiter.acquire().join();
		Permit second = this.limiter.acquire().join();
		first.close();
		first.close();
		assertThat(this.limiter.borrowed()).isEqualTo(1);
		second.close();
		assertThat(this.limiter.borrowed()).isZero();
	}

	@Test
	void closeOnAnotherThreadWakesAWaiter() throws Exception {
		CapacityLimiter one = CapacityLimiter.of(1);
		Permit held = one.acquire().join();
		CompletableFuture<Permit> waiter = one.acquire();
		Thread closer = new Thread(held::close);
		closer.start();
		closer.join();
		assertThat(waiter.get(5, TimeUnit.SECONDS)).isNotNull();
		assertThat(one.borrowed()).isEqualTo(1);
	}

	@Test
	void loweringTheTotalKeepsHoldersAndGrantsNothingUntilBelowIt() {
		Permit first = this.limiter.acquire().join();
		Permit second = this.limiter.acquire().join();
		CompletableFuture<Permit> waiter = this.limiter.acquire();
		this.limiter.setTotal(1);
		assertThat(this.limiter.borrowed()).isEqualTo(2);
		assertThat(this.limiter.available()).isZero();
		first.close();
		assertThat(waiter).isNotDone();
		assertThat(this.limiter.available()).isZero();
		second.close();
		assertThat(waiter).isCompleted();
		assertThat(this.limiter.borrowed()).isEqualTo(1);
	}

	@Test
	void raisingTheTotalWakesAsManyWaitersAsFit() {
		this.limiter.acquire().join();
		this.limiter.acquire().join();
		List<CompletableFuture<Permit>> waiters = List.of(this.limiter.acquire(), this.limiter.acquire(),
				this.limiter.acquire());
		this.limiter.setTotal(4);
		assertThat(waiters.get(0)).isCompleted();
		assertThat(waiters.get(1)).isCompleted();
		assertThat(waiters.get(2)).isNotDone();
		assertThat(this.limiter.waitingCount()).isEqualTo(1);
	}

	// anyio/lionherd-core semantics: acquire_on_behalf_of twice raises RuntimeError
	@Test
	void aBorrowerHoldingAPermitCannotAcquireAnother() {
		Object borrower = "task-1";
		this.limiter.acquire(borrower).join();
		assertThatIllegalStateException().isThrownBy(() -> this.limiter.acquire(borrower))
			.withMessageContaining("task-1");
		assertThat(this.limiter.borrowed()).isEqualTo(1);
	}

	@Test
	void aBorrowerWaitingForAPermitCannotAcquireAnother() {
		this.limiter.acquire().join();
		this.limiter.acquire().join();
		this.limiter.acquire("task-1");
		assertThatIllegalStateException().isThrownBy(() -> this.limiter.acquire("task-1"))
			.withMessageContaining("task-1");
		assertThat(this.limiter.waitingCount()).isEqualTo(1);
	}

	@Test
	void aBorrowerMayAcquireAgainAfterReleasing() {
		this.limiter.acquire("task-1").join().close();
		Permit again = this.limiter.acquire("task-1").join();
		assertThat(again).isNotNull();
	}

	@Test
	void aBorrowerMayAcquireAgainAfterCancellingItsWait() {
		this.limiter.acquire().join();
		this.limiter.acquire().join();
		this.limiter.acquire("task-1").cancel(false);
		assertThat(this.limiter.acquire("task-1")).isNotDone();
	}

	@Test
	void aContinuationThatClosesItsPermitInlineRunsAChainWithoutDeepRecursion() {
		CapacityLimiter one = CapacityLimiter.of(1, this.time, ManualTime.DIRECT);
		Permit held = one.acquire().join();
		AtomicInteger granted = new AtomicInteger();
		AtomicInteger deepest = new AtomicInteger();
		int waiters = 20_000;
		for (int i = 0; i < waiters; i++) {
			one.acquire().thenAccept((permit) -> {
				granted.incrementAndGet();
				deepest.accumulateAndGet(Thread.currentThread().getStackTrace().length, Math::max);
				permit.close();
			});
			if (i > 100) {
				deepest.set(0);
			}
		}
		held.close();
		assertThat(granted).hasValue(waiters);
		assertThat(deepest.get()).isLessThan(200);
		assertThat(one.borrowed()).isZero();
		assertThat(one.waitingCount()).isZero();
	}

	@Test
	void aWaitingContinuationDoesNotRunUnderTheLimitersLock() throws Exception {
		CapacityLimiter one = CapacityLimiter.of(1, this.time, ManualTime.DIRECT);
		Permit held = one.acquire().join();
		CountDownLatch read = new CountDownLatch(1);
		one.acquire().thenAccept((permit) -> {
			// Another thread can read the limiter while this continuation runs.
			Thread reader = new Thread(() -> {
				one.waitingCount();
				read.countDown();
			});
			reader.start();
			try {
				assertThat(read.await(5, TimeUnit.SECONDS)).isTrue();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		held.close();
		assertThat(read.getCount()).isZero();
	}

	@Test
	void permitIsAnOptionalOfTryAcquire() {
		Optional<Permit> permit = this.limiter.tryAcquire();
		assertThat(permit).isPresent();
		permit.get().close();
		assertThat(this.limiter.available()).isEqualTo(2);
	}

}
