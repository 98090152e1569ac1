package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The one-limit {@link SlidingWindowRateLimiter} knows the earliest instant a request
 * could be granted, in its turn behind the waiters: an acquire that cannot be granted
 * within its timeout fails at once, and every refusal says when the request could have
 * been granted.
 */
class SlidingWindowRateLimiterEarliestGrantTests {

	private static final Duration PERIOD = Duration.ofMillis(500);

	private final ManualTime time = new ManualTime(1_000_000_000L);

	private final List<String> completions = new ArrayList<>();

	@Test
	void acquireThatCannotBeGrantedWithinItsTimeoutFailsAtOnceAndChargesNothing() {
		SlidingWindowRateLimiter limiter = limiter(1);
		assertThat(limiter.tryAcquire()).isTrue();
		this.time.advance(Duration.ofMillis(100));
		CompletableFuture<Void> refused = limiter.acquire(Duration.ofMillis(399));
		assertRefusedWithRetryAfter(refused, Duration.ofMillis(400));
		assertThat(limiter.waitingCount()).isZero();
		assertThat(this.time.pendingCount()).as("neither a wake-up nor a timeout entry").isZero();
		CompletableFuture<Void> inTime = record(limiter.acquire(Duration.ofMillis(400)), "1");
		this.time.advance(Duration.ofMillis(400));
		assertThat(inTime).isCompleted();
		assertThat(this.completions).containsExactly("1@500");
	}

	@Test
	void zeroTimeoutRefusalSaysWhenAPermitFrees() {
		SlidingWindowRateLimiter limiter = limiter(2);
		assertThat(limiter.tryAcquire()).isTrue();
		this.time.advance(Duration.ofMillis(100));
		assertThat(limiter.tryAcquire()).isTrue();
		this.time.advance(Duration.ofMillis(50));
		assertRefusedWithRetryAfter(limiter.acquire(Duration.ZERO), Duration.ofMillis(350));
	}

	@Test
	void configuredTimeoutThatCannotBeMetFailsAtOnce() {
		SlidingWindowRateLimiter limiter = new SlidingWindowRateLimiter("",
				RateLimiterConfig.of(1, PERIOD).withTimeout(Duration.ofMillis(200)), this.time, this.time,
				ManualTime.DIRECT, RateLimiterListener.none());
		assertThat(limiter.acquire()).isCompleted();
		assertRefusedWithRetryAfter(limiter.acquire(), PERIOD);
		assertThat(limiter.waitingCount()).isZero();
	}

	@Test
	void earliestGrantCountsTheWaitersAhead() {
		SlidingWindowRateLimiter limiter = limiter(2);
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> first = record(limiter.acquire(), "first");
		CompletableFuture<Void> second = record(limiter.acquire(), "second");
		// Both take the permits that free at 500 ms: the next frees at 1 s.
		assertRefusedWithRetryAfter(limiter.acquire(Duration.ofMillis(999)), Duration.ofSeconds(1));
		CompletableFuture<Void> third = record(limiter.acquire(Duration.ofSeconds(1)), "third");
		assertThat(limiter.waitingCount()).isEqualTo(3);
		this.time.advance(Duration.ofSeconds(1));
		assertThat(first).isCompleted();
		assertThat(second).isCompleted();
		assertThat(third).isCompleted();
		assertThat(this.completions).containsExactly("first@500", "second@500", "third@1000");
	}

	@Test
	void earliestGrantOfASmallRequestBehindALargeHeadIsTheHeadsOwn() {
		SlidingWindowRateLimiter limiter = limiter(10);
		assertThat(limiter.tryAcquire(5)).isTrue();
		CompletableFuture<Void> large = record(limiter.acquire(8), "8");
		// Five permits are free now, but the 8 at the head takes its turn first, at 500
		// ms.
		assertRefusedWithRetryAfter(limiter.acquire(1, Duration.ofMillis(499)), PERIOD);
		CompletableFuture<Void> small = record(limiter.acquire(2, PERIOD), "2");
		// Ten in the window once both are granted: a third one waits a period.
		assertRefusedWithRetryAfter(limiter.acquire(1, Duration.ofMillis(999)), Duration.ofSeconds(1));
		this.time.advance(PERIOD);
		assertThat(large).isCompleted();
		assertThat(small).isCompleted();
		assertThat(this.completions).containsExactly("8@500", "2@500");
	}

	@Test
	void weightedRequestWaitsForAsManyOfTheOldestGrantsToLeave() {
		SlidingWindowRateLimiter limiter = limiter(4);
		for (int i = 0; i < 4; i++) {
			assertThat(limiter.tryAcquire()).isTrue();
			this.time.advance(Duration.ofMillis(100));
		}
		// At 400 ms, grants at 0, 100, 200 and 300 ms: three free once the one at 200 ms
		// has left, at 700 ms.
		assertRefusedWithRetryAfter(limiter.acquire(3, Duration.ofMillis(299)), Duration.ofMillis(300));
		CompletableFuture<Void> three = record(limiter.acquire(3, Duration.ofMillis(300)), "3");
		this.time.advance(Duration.ofMillis(300));
		assertThat(three).isCompleted();
		assertThat(this.completions).containsExactly("3@700");
	}

	@Test
	void cancelMovesTheEarliestGrantOfThoseBehindForward() {
		SlidingWindowRateLimiter limiter = limiter(1);
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> first = limiter.acquire();
		CompletableFuture<Void> second = record(limiter.acquire(), "second");
		assertThat(first.cancel(false)).isTrue();
		// The second now takes the permit at 500 ms, so one more fits by 1 s.
		CompletableFuture<Void> third = record(limiter.acquire(Duration.ofSeconds(1)), "third");
		assertThat(third).isNotDone();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(second).isCompleted();
		assertThat(third).isCompleted();
		assertThat(this.completions).containsExactly("second@500", "third@1000");
	}

	@Test
	void cancelOfALargeHeadGrantsTheSmallerOneBehindItAtOnce() {
		SlidingWindowRateLimiter limiter = limiter(10);
		assertThat(limiter.tryAcquire(5)).isTrue();
		CompletableFuture<Void> large = limiter.acquire(8);
		CompletableFuture<Void> small = record(limiter.acquire(2), "2");
		assertThat(small).isNotDone();
		assertThat(large.cancel(false)).isTrue();
		this.time.runDue();
		assertThat(small).isCompleted();
		assertThat(this.completions).containsExactly("2@0");
		assertThat(limiter.availablePermits()).isEqualTo(3);
	}

	@Test
	void executeCallableReportsWhenTheRefusedCallCouldHaveRun() {
		SlidingWindowRateLimiter limiter = limiter(1);
		assertThat(limiter.tryAcquire()).isTrue();
		this.time.advance(Duration.ofMillis(300));
		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> limiter.executeCallable(Duration.ofMillis(100), () -> "called"))
			.satisfies((ex) -> assertThat(ex.retryAfter()).contains(Duration.ofMillis(200)));
		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> limiter.executeCallable(Duration.ZERO, () -> "called"))
			.satisfies((ex) -> assertThat(ex.retryAfter()).contains(Duration.ofMillis(200)));
	}

	@Test
	void lockFreeGrantsStayUnchangedAfterARefusal() {
		SlidingWindowRateLimiter limiter = limiter(2);
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isTrue();
		assertRefusedWithRetryAfter(limiter.acquire(Duration.ofMillis(100)), PERIOD);
		this.time.advance(PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
	}

	@Test
	void waiterThatALateWakeUpMakesMissItsTimeoutSaysWhenItsTurnNowComes() {
		SlidingWindowRateLimiterTests.QueueingExecutor timer = new SlidingWindowRateLimiterTests.QueueingExecutor();
		SlidingWindowRateLimiter limiter = new SlidingWindowRateLimiter("", RateLimiterConfig.of(1, PERIOD), this.time,
				this.time, timer, RateLimiterListener.none());
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> first = limiter.acquire();
		// Planned at 1 s, within its timeout.
		CompletableFuture<Void> second = limiter.acquire(Duration.ofSeconds(1));
		assertThat(second).isNotDone();
		// The wake-up due at 500 ms runs at 900 ms: the first is granted late, so the
		// second's permit frees only at 1.4 s, after its deadline.
		this.time.advance(Duration.ofMillis(900));
		timer.runAll();
		assertThat(first).isCompleted();
		this.time.advance(Duration.ofMillis(100));
		timer.runAll();
		assertRefusedWithRetryAfter(second, Duration.ofMillis(400));
		assertThat(limiter.waitingCount()).isZero();
	}

	private static void assertRefusedWithRetryAfter(CompletableFuture<Void> refused, Duration retryAfter) {
		assertThat(refused).isCompletedExceptionally();
		assertThatExceptionOfType(Exception.class).isThrownBy(refused::join)
			.havingRootCause()
			.isInstanceOfSatisfying(PermitTimeoutException.class,
					(ex) -> assertThat(ex.retryAfter()).contains(retryAfter));
	}

	private CompletableFuture<Void> record(CompletableFuture<Void> future, String label) {
		future.thenRun(() -> this.completions.add(label + "@" + (this.time.read() - 1_000_000_000L) / 1_000_000));
		return future;
	}

	private SlidingWindowRateLimiter limiter(int maxCalls) {
		return new SlidingWindowRateLimiter("", RateLimiterConfig.of(maxCalls, PERIOD), this.time, this.time,
				ManualTime.DIRECT, RateLimiterListener.none());
	}

}
