package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Deterministic tests of {@link MultiWindowRateLimiter} on {@link ManualTime}: weighted
 * requests and several limits decided at once.
 */
class MultiWindowRateLimiterTests {

	private static final Duration SECOND = Duration.ofSeconds(1);

	private final ManualTime time = new ManualTime(1_000_000_000L);

	private final List<String> completions = new ArrayList<>();

	@Test
	void factoryKeepsTheLockFreeLimiterForOnePermitsLimitOnly() {
		RateLimiterFactory factory = RateLimiterFactory.inMemory(this.time, this.time, ManualTime.DIRECT);
		assertThat(factory.create("", RateLimiterConfig.of(3, SECOND), RateLimiterListener.none()))
			.isInstanceOf(SlidingWindowRateLimiter.class);
		assertThat(factory.create("", RateLimiterConfig.of(Limit.calls(3, SECOND)), RateLimiterListener.none()))
			.isInstanceOf(MultiWindowRateLimiter.class);
		assertThat(factory.create("",
				RateLimiterConfig.of(Limit.permits(3, SECOND), Limit.permits(10, Duration.ofMinutes(1))),
				RateLimiterListener.none()))
			.isInstanceOf(MultiWindowRateLimiter.class);
	}

	@Test
	void permitsLimitCountsThePermitsAskedFor() {
		RateLimiter limiter = limiter(Limit.permits(10, SECOND));
		assertThat(limiter.tryAcquire(6)).isTrue();
		assertThat(limiter.tryAcquire(5)).isFalse();
		assertThat(limiter.tryAcquire(4)).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
	}

	@Test
	void callsLimitCountsOnePerRequestWhateverItAsksFor() {
		RateLimiter limiter = limiter(Limit.calls(2, SECOND));
		assertThat(limiter.tryAcquire(1_000)).isTrue();
		assertThat(limiter.tryAcquire(1_000_000)).isTrue();
		assertThat(limiter.tryAcquire(1)).isFalse();
	}

	@Test
	void requestIsGrantedOnlyWhenEveryLimitHasRoom() {
		RateLimiter limiter = limiter(Limit.calls(3, SECOND), Limit.permits(100, SECOND));
		assertThat(limiter.tryAcquire(98)).isTrue();
		assertThat(limiter.tryAcquire(3)).isFalse();
		assertThat(limiter.tryAcquire(1)).isTrue();
		assertThat(limiter.tryAcquire(1)).isTrue();
		// The permits-limit has room, the calls-limit does not.
		assertThat(limiter.tryAcquire(0 + 1)).isFalse();
		this.time.advance(SECOND);
		assertThat(limiter.tryAcquire(100)).isTrue();
	}

	@Test
	void refusedRequestChargesNoLimit() {
		RateLimiter limiter = limiter(Limit.calls(2, SECOND), Limit.permits(10, SECOND));
		assertThat(limiter.tryAcquire(8)).isTrue();
		assertThat(limiter.tryAcquire(5)).isFalse();
		assertThat(limiter.tryAcquire(5)).isFalse();
		// The refusals took neither a call nor permits.
		assertThat(limiter.tryAcquire(2)).isTrue();
	}

	@Test
	void grantFreesAtTheInstantItsWindowEnds() {
		RateLimiter limiter = limiter(Limit.permits(10, SECOND), Limit.permits(15, Duration.ofSeconds(3)));
		assertThat(limiter.tryAcquire(10)).isTrue();
		this.time.advanceNanos(SECOND.toNanos() - 1);
		assertThat(limiter.tryAcquire(1)).isFalse();
		this.time.advanceNanos(1);
		assertThat(limiter.tryAcquire(5)).isTrue();
		// Now the 3-second limit is the tight one: 15 in (t - 3 s, t].
		this.time.advance(SECOND);
		assertThat(limiter.tryAcquire(1)).isFalse();
		// The 10 leave the 3-second window.
		this.time.advance(SECOND);
		assertThat(limiter.tryAcquire(10)).isTrue();
	}

	@Test
	void waiterIsGrantedAtTheEarliestInstantEveryLimitHasRoom() {
		RateLimiter limiter = limiter(Limit.calls(2, SECOND), Limit.permits(10, Duration.ofSeconds(2)));
		assertThat(limiter.tryAcquire(9)).isTrue();
		this.time.advance(Duration.ofMillis(100));
		assertThat(limiter.tryAcquire(1)).isTrue();
		CompletableFuture<Void> waiter = record(limiter.acquire(2), "2");
		// Calls free at 1 s, permits at 2 s (the 9 leave the 2-second window).
		this.time.advance(Duration.ofMillis(1_899));
		assertThat(waiter).isNotDone();
		this.time.advance(Duration.ofMillis(1));
		assertThat(waiter).isCompleted();
		assertThat(this.completions).containsExactly("2@2000");
	}

	@Test
	void largeRequestAtTheHeadHoldsBackSmallerOnesBehindIt() {
		RateLimiter limiter = limiter(Limit.permits(10, SECOND));
		assertThat(limiter.tryAcquire(5)).isTrue();
		CompletableFuture<Void> large = record(limiter.acquire(8), "8");
		// Five permits are free, but the 8 arrived first.
		CompletableFuture<Void> small = record(limiter.acquire(1), "1");
		assertThat(small).isNotDone();
		assertThat(limiter.tryAcquire(1)).isFalse();
		assertThat(limiter.availablePermits()).isZero();
		assertThat(limiter.waitingCount()).isEqualTo(2);
		this.time.advance(SECOND);
		assertThat(large).isCompleted();
		assertThat(small).isCompleted();
		assertThat(this.completions).containsExactly("8@1000", "1@1000");
	}

	@Test
	void cancelledWaiterChargesNothingAndThoseBehindItMoveUp() {
		RateLimiter limiter = limiter(Limit.permits(10, SECOND), Limit.calls(5, Duration.ofMinutes(1)));
		assertThat(limiter.tryAcquire(5)).isTrue();
		CompletableFuture<Void> large = record(limiter.acquire(8), "8");
		CompletableFuture<Void> small = record(limiter.acquire(5), "5");
		assertThat(large.cancel(false)).isTrue();
		this.time.runDue();
		assertThat(small).isCompleted();
		assertThat(this.completions).containsExactly("5@0");
		assertThat(limiter.waitingCount()).isZero();
		// The cancelled 8 took neither permits nor a call.
		this.time.advance(SECOND);
		assertThat(limiter.tryAcquire(10)).isTrue();
		assertThat(limiter.tryAcquire(1)).isFalse();
		// The minute's five calls: the 5, the waiter's 5, the 10 and these two; had the
		// cancelled 8 taken one, the second would be refused.
		this.time.advance(SECOND);
		assertThat(limiter.tryAcquire(1)).isTrue();
		assertThat(limiter.tryAcquire(1)).isTrue();
		assertThat(limiter.tryAcquire(1)).isFalse();
	}

	@Test
	void cancelOfAMiddleWaiterReplansOnlyThoseBehindIt() {
		RateLimiter limiter = limiter(Limit.permits(4, SECOND));
		assertThat(limiter.tryAcquire(4)).isTrue();
		CompletableFuture<Void> first = record(limiter.acquire(4), "first");
		CompletableFuture<Void> second = record(limiter.acquire(4), "second");
		CompletableFuture<Void> third = record(limiter.acquire(4), "third");
		second.cancel(false);
		this.time.advance(SECOND);
		assertThat(first).isCompleted();
		assertThat(third).isNotDone();
		this.time.advance(SECOND);
		assertThat(third).isCompleted();
		assertThat(this.completions).containsExactly("first@1000", "third@2000");
	}

	@Test
	void acquireThatCannotBeGrantedWithinItsTimeoutFailsAtOnceAndChargesNothing() {
		RateLimiter limiter = limiter(Limit.permits(10, SECOND));
		assertThat(limiter.tryAcquire(10)).isTrue();
		this.time.advance(Duration.ofMillis(200));
		CompletableFuture<Void> refused = limiter.acquire(3, Duration.ofMillis(799));
		assertThat(refused).isCompletedExceptionally();
		assertThat(limiter.waitingCount()).isZero();
		assertThatExceptionOfType(Exception.class).isThrownBy(refused::join)
			.havingRootCause()
			.isInstanceOfSatisfying(PermitTimeoutException.class,
					(ex) -> assertThat(ex.retryAfter()).contains(Duration.ofMillis(800)));
		CompletableFuture<Void> inTime = record(limiter.acquire(10, Duration.ofMillis(800)), "10");
		assertThat(inTime).isNotDone();
		this.time.advance(Duration.ofMillis(800));
		assertThat(this.completions).containsExactly("10@1000");
	}

	@Test
	void acquireBehindAWaiterFailsAtOnceWhenItsTurnComesTooLate() {
		RateLimiter limiter = limiter(Limit.permits(10, SECOND));
		assertThat(limiter.tryAcquire(10)).isTrue();
		CompletableFuture<Void> head = limiter.acquire(10);
		// Its own permits free in 1 s, but the head takes them: its turn is in 2 s.
		CompletableFuture<Void> refused = limiter.acquire(1, Duration.ofMillis(1_500));
		assertThat(refused).isCompletedExceptionally();
		assertThatExceptionOfType(Exception.class).isThrownBy(refused::join)
			.havingRootCause()
			.isInstanceOfSatisfying(PermitTimeoutException.class,
					(ex) -> assertThat(ex.retryAfter()).contains(Duration.ofSeconds(2)));
		assertThat(head).isNotDone();
		assertThat(limiter.waitingCount()).isEqualTo(1);
	}

	@Test
	void executeCallableReportsWhenTheRefusedCallCouldHaveRun() {
		RateLimiter limiter = limiter(Limit.calls(1, SECOND), Limit.permits(5, SECOND));
		assertThat(limiter.tryAcquire()).isTrue();
		this.time.advance(Duration.ofMillis(300));
		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> limiter.executeCallable(Duration.ofMillis(100), () -> "called"))
			.satisfies((ex) -> assertThat(ex.retryAfter()).contains(Duration.ofMillis(700)));
	}

	@Test
	void zeroTimeoutGrantsOnlyWhatIsFreeNow() {
		RateLimiter limiter = limiter(Limit.permits(3, SECOND));
		assertThat(limiter.acquire(3, Duration.ZERO)).isCompleted();
		assertThat(limiter.acquire(1, Duration.ZERO)).isCompletedExceptionally();
		assertThat(limiter.waitingCount()).isZero();
	}

	@Test
	void availablePermitsIsTheRoomOfTheTightestPermitsLimit() {
		RateLimiter limiter = limiter(Limit.calls(5, SECOND), Limit.permits(100, SECOND),
				Limit.permits(1_000, Duration.ofMinutes(1)));
		assertThat(limiter.availablePermits()).isEqualTo(100);
		assertThat(limiter.tryAcquire(30)).isTrue();
		assertThat(limiter.availablePermits()).isEqualTo(70);
		this.time.advance(SECOND);
		assertThat(limiter.availablePermits()).isEqualTo(100);
		for (int i = 0; i < 9; i++) {
			this.time.advance(SECOND);
			assertThat(limiter.tryAcquire(100)).isTrue();
		}
		assertThat(limiter.availablePermits()).isZero();
		// 930 of the minute's 1000 taken.
		this.time.advance(SECOND);
		assertThat(limiter.availablePermits()).isEqualTo(70);
	}

	@Test
	void availablePermitsIsZeroWhenACallsLimitHasNoRoom() {
		RateLimiter limiter = limiter(Limit.calls(1, SECOND), Limit.permits(100, SECOND));
		assertThat(limiter.tryAcquire(1)).isTrue();
		assertThat(limiter.availablePermits()).isZero();
	}

	@Test
	void availablePermitsOfCallsLimitsOnlyIsTheirRoomInCalls() {
		RateLimiter limiter = limiter(Limit.calls(4, SECOND), Limit.calls(10, Duration.ofMinutes(1)));
		assertThat(limiter.tryAcquire(50)).isTrue();
		assertThat(limiter.availablePermits()).isEqualTo(3);
	}

	@Test
	void permitsBelowOneAreRejectedAtTheCall() {
		RateLimiter limiter = limiter(Limit.permits(10, SECOND));
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.acquire(0))
			.withMessage("permits must be at least 1, but was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.tryAcquire(-1))
			.withMessage("permits must be at least 1, but was -1");
	}

	@Test
	void permitsAboveAPermitsLimitAreRejectedNamingIt() {
		RateLimiter limiter = limiter(Limit.calls(3, SECOND), Limit.permits(100, SECOND));
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.acquire(101, SECOND))
			.withMessage("permits must be at most limits[1].max (100 permits per PT1S): "
					+ "a request for 101 could never be granted");
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.tryAcquireAsync(101))
			.withMessageContaining("limits[1]");
		assertThat(limiter.waitingCount()).isZero();
	}

	@Test
	void deadlineOfTheCallersScopeDoesNotApplyWithoutOne() {
		RateLimiter limiter = limiter(Limit.permits(1, SECOND));
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> waiter = limiter.acquire();
		assertThat(waiter).isNotDone();
		this.time.advance(SECOND);
		assertThat(waiter).isCompleted();
	}

	@Test
	void lateWakeUpGrantsReservationsWhoseInstantHasPassedAtTheirInstants() {
		SlidingWindowRateLimiterTests.QueueingExecutor wakeUps = new SlidingWindowRateLimiterTests.QueueingExecutor();
		GrantInstants grants = new GrantInstants();
		RateLimiter limiter = new MultiWindowRateLimiter("",
				RateLimiterConfig.of(Limit.permits(2, SECOND), Limit.calls(10, Duration.ofMinutes(1))), this.time,
				this.time, wakeUps, grants);
		assertThat(limiter.tryAcquire(2)).isTrue();
		CompletableFuture<Void> first = limiter.acquire(2);
		CompletableFuture<Void> second = limiter.acquire(2);
		CompletableFuture<Void> third = limiter.acquire(2);
		// Reserved at 1 s, 2 s and 3 s; the wake-up due at 1 s runs only at 2.5 s.
		this.time.advance(Duration.ofMillis(2_500));
		// A refused request expires the logs up to 2.5 s while the two passed
		// reservations are not granted yet.
		assertThat(limiter.acquire(1, Duration.ZERO)).isCompletedExceptionally();
		assertThat(limiter.tryAcquire(1)).isFalse();
		wakeUps.runAll();
		assertThat(first).isCompleted();
		assertThat(second).isCompleted();
		assertThat(third).isNotDone();
		assertThat(grants.instants()).containsExactly(0L, 1_000L, 2_000L);
		// The 2 reserved at 2 s fill (1.5 s, 2.5 s]; the 2 at 3 s fill the next second.
		assertThat(limiter.tryAcquire(1)).isFalse();
		this.time.advance(Duration.ofMillis(500));
		wakeUps.runAll();
		assertThat(third).isCompleted();
		assertThat(grants.instants()).containsExactly(0L, 1_000L, 2_000L, 3_000L);
		assertThat(limiter.tryAcquire(1)).isFalse();
		this.time.advance(SECOND);
		assertThat(limiter.tryAcquire(2)).isTrue();
	}

	@Test
	void cancelOfAWaiterWhoseReservedInstantHasPassedLeavesTheOthersCountedOnce() {
		SlidingWindowRateLimiterTests.QueueingExecutor wakeUps = new SlidingWindowRateLimiterTests.QueueingExecutor();
		GrantInstants grants = new GrantInstants();
		RateLimiter limiter = new MultiWindowRateLimiter("",
				RateLimiterConfig.of(Limit.permits(2, SECOND), Limit.calls(10, Duration.ofMinutes(1))), this.time,
				this.time, wakeUps, grants);
		assertThat(limiter.tryAcquire(2)).isTrue();
		CompletableFuture<Void> first = limiter.acquire(2);
		CompletableFuture<Void> second = limiter.acquire(2);
		CompletableFuture<Void> third = limiter.acquire(2);
		// Reserved at 1 s, 2 s and 3 s; the wake-up due at 1 s has not run at 2.5 s.
		this.time.advance(Duration.ofMillis(2_500));
		// A refused request expires the logs up to 2.5 s: the first waiter's reservation
		// at 1 s leaves them.
		assertThat(limiter.acquire(1, Duration.ZERO)).isCompletedExceptionally();
		assertThat(first.cancel(false)).isTrue();
		wakeUps.runAll();
		// The second is re-planned from now, the third one period after it.
		assertThat(second).isCompleted();
		assertThat(third).isNotDone();
		assertThat(limiter.tryAcquire(1)).isFalse();
		this.time.advance(Duration.ofMillis(999));
		wakeUps.runAll();
		assertThat(third).isNotDone();
		this.time.advance(Duration.ofMillis(1));
		wakeUps.runAll();
		assertThat(third).isCompleted();
		assertThat(grants.instants()).containsExactly(0L, 2_500L, 3_500L);
		assertThat(limiter.tryAcquire(1)).isFalse();
		this.time.advance(SECOND);
		assertThat(limiter.availablePermits()).isEqualTo(2);
	}

	private CompletableFuture<Void> record(CompletableFuture<Void> future, String label) {
		long start = 1_000_000_000L;
		future.thenRun(() -> this.completions.add(label + "@" + (this.time.read() - start) / 1_000_000));
		return future;
	}

	/**
	 * The instant of each grant, in ms since the start, from the wait the limiter
	 * reports: every request of these tests arrives at 0.
	 */
	private static final class GrantInstants implements RateLimiterListener {

		private final List<Long> instants = new ArrayList<>();

		@Override
		public synchronized void granted(RateLimiter limiter, long waitNanos) {
			this.instants.add(waitNanos / 1_000_000);
		}

		synchronized List<Long> instants() {
			return new ArrayList<>(this.instants);
		}

	}

	private RateLimiter limiter(Limit first, Limit... more) {
		return new MultiWindowRateLimiter("", RateLimiterConfig.of(first, more), this.time, this.time,
				ManualTime.DIRECT, RateLimiterListener.none());
	}

}
