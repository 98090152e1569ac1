package io.lionherd.concurrency.ratelimit;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import com.sun.management.ThreadMXBean;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Deterministic tests of {@link SlidingWindowRateLimiter} on {@link ManualTime}.
 */
class SlidingWindowRateLimiterTests {

	private static final Duration PERIOD = Duration.ofMillis(500);

	private final ManualTime time = new ManualTime(1_000_000_000L);

	private final GrantLog log = new GrantLog(this.time);

	private ExecutorService pool;

	@AfterEach
	void shutDownPool() {
		if (this.pool != null) {
			this.pool.shutdownNow();
		}
	}

	@Test
	void recipeGrantsThreeCallsAtOnceAndTheNextTwoExactlyOnePeriodLater() {
		SlidingWindowRateLimiter limiter = limiter(3, PERIOD);
		List<CompletableFuture<Void>> calls = IntStream.range(0, 5).mapToObj((i) -> limiter.acquire()).toList();
		assertThat(calls.subList(0, 3)).allMatch(CompletableFuture::isDone);
		assertThat(calls.subList(3, 5)).noneMatch(CompletableFuture::isDone);
		this.time.advance(Duration.ofMillis(499));
		assertThat(calls.subList(3, 5)).noneMatch(CompletableFuture::isDone);
		this.time.advance(Duration.ofMillis(1));
		assertThat(calls).allMatch((call) -> call.isDone() && !call.isCompletedExceptionally());
		long start = 1_000_000_000L;
		long later = start + PERIOD.toNanos();
		assertThat(this.log.times()).containsExactly(start, start, start, later, later);
	}

	@Test
	void grantExactlyOnePeriodAfterTheOldestGrantIsAllowed() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		this.time.advanceNanos(PERIOD.toNanos() - 1);
		assertThat(limiter.tryAcquire()).isFalse();
		this.time.advanceNanos(1);
		assertThat(limiter.tryAcquire()).isTrue();
	}

	@Test
	void tryAcquireRefusesOnceMaxCallsWereGrantedInTheWindow() {
		SlidingWindowRateLimiter limiter = limiter(3, PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		this.time.advance(Duration.ofMillis(100));
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		this.time.advance(Duration.ofMillis(400));
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		this.time.advance(Duration.ofMillis(100));
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(this.log.rejections()).isEqualTo(3);
	}

	@Test
	void waitersAreGrantedInArrivalOrder() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		List<Integer> order = new ArrayList<>();
		List<CompletableFuture<Void>> waiters = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			int id = i;
			CompletableFuture<Void> waiter = (i % 2 == 0) ? limiter.acquire() : limiter.acquire(Duration.ofHours(1));
			waiter.thenRun(() -> order.add(id));
			waiters.add(waiter);
		}
		for (int i = 0; i < 5; i++) {
			this.time.advance(PERIOD);
			assertThat(order).hasSize(i + 1);
		}
		assertThat(order).containsExactly(0, 1, 2, 3, 4);
	}

	@Test
	void wakeUpGrantsAsManyHeadWaitersAsPermitsAllow() {
		SlidingWindowRateLimiter limiter = limiter(3, PERIOD);
		List<CompletableFuture<Void>> calls = IntStream.range(0, 7).mapToObj((i) -> limiter.acquire()).toList();
		this.time.advance(PERIOD);
		assertThat(calls.stream().filter(CompletableFuture::isDone)).hasSize(6);
		assertThat(calls.get(6)).isNotDone();
		assertThat(limiter.waitingCount()).isOne();
		assertThat(this.time.pendingCount()).isOne();
	}

	@Test
	void tryAcquireRefusesWhileSomeoneWaitsEvenIfAPermitIsFree() {
		QueueingExecutor executor = new QueueingExecutor();
		SlidingWindowRateLimiter limiter = limiter(2, PERIOD, executor);
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> waiter = limiter.acquire();
		this.time.advance(PERIOD);
		// Two permits are free now, but the wake-up has not run yet: the waiter is first.
		assertThat(executor.size()).isOne();
		assertThat(waiter).isNotDone();
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(limiter.acquire(Duration.ZERO)).isCompletedExceptionally();
		executor.runAll();
		assertThat(waiter).isCompleted();
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
	}

	@Test
	void acquireQueuesBehindAWaiterEvenIfAPermitIsFree() {
		QueueingExecutor executor = new QueueingExecutor();
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD, executor);
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> first = limiter.acquire();
		this.time.advance(PERIOD);
		CompletableFuture<Void> second = limiter.acquire();
		assertThat(second).isNotDone();
		executor.runAll();
		assertThat(first).isCompleted();
		assertThat(second).isNotDone();
		this.time.advance(PERIOD);
		executor.runAll();
		assertThat(second).isCompleted();
	}

	@Test
	void cancelledWaiterLeavesTheQueueAndConsumesNoPermit() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> cancelled = limiter.acquire();
		CompletableFuture<Void> next = limiter.acquire();
		assertThat(cancelled.cancel(false)).isTrue();
		assertThat(limiter.waitingCount()).isOne();
		this.time.advance(PERIOD);
		assertThat(cancelled).isCancelled();
		assertThat(next).isCompleted();
		assertThat(this.log.times()).hasSize(2);
		assertThat(limiter.tryAcquire()).isFalse();
		this.time.advance(PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
	}

	@Test
	void cancellingTheOnlyWaiterCancelsTheWakeUpAndLetsTryAcquireGrantAgain() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> waiter = limiter.acquire();
		assertThat(this.time.pendingCount()).isOne();
		waiter.cancel(true);
		assertThat(this.time.pendingCount()).isZero();
		assertThat(limiter.waitingCount()).isZero();
		this.time.advance(PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
	}

	@Test
	void waiterCompletedByItsCallerLeavesTheQueueAndConsumesNoPermit() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> failed = limiter.acquire();
		CompletableFuture<Void> completed = limiter.acquire();
		CompletableFuture<Void> next = limiter.acquire();
		assertThat(failed.completeExceptionally(new IllegalStateException("gave up"))).isTrue();
		assertThat(completed.complete(null)).isTrue();
		assertThat(limiter.waitingCount()).isOne();
		this.time.advance(PERIOD);
		assertThat(next).isCompleted();
		assertThat(this.log.times()).hasSize(2);
	}

	@Test
	void cancelThatLosesToTheGrantReturnsFalseAndTheFutureCompletesNormally() {
		AtomicReference<CompletableFuture<Void>> waiting = new AtomicReference<>();
		AtomicReference<Boolean> cancelled = new AtomicReference<>();
		AtomicReference<Boolean> failed = new AtomicReference<>();
		// The listener hears of the grant after the decision, before the completion: a
		// cancel or a failure arriving then must lose.
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD, ManualTime.DIRECT, new RateLimiterListener() {

			@Override
			public void granted(RateLimiter limiter, long waitNanos) {
				CompletableFuture<Void> waiter = waiting.get();
				if (waiter != null) {
					cancelled.set(waiter.cancel(true));
					failed.set(waiter.completeExceptionally(new TimeoutException()));
				}
			}

		});
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> waiter = limiter.acquire(Duration.ofHours(1));
		waiting.set(waiter);
		this.time.advance(PERIOD);
		assertThat(cancelled.get()).isFalse();
		assertThat(failed.get()).isFalse();
		assertThat(waiter).isCompleted();
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void failingListenerNeitherStrandsWaitersNorFailsCallers() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD, ManualTime.DIRECT, new GrantLog(this.time) {

			@Override
			public void granted(RateLimiter limiter, long waitNanos) {
				SlidingWindowRateLimiterTests.this.log.granted(limiter, waitNanos);
				throw new IllegalStateException("broken registry");
			}

			@Override
			public void rejected(RateLimiter limiter) {
				SlidingWindowRateLimiterTests.this.log.rejected(limiter);
				throw new IllegalStateException("broken registry");
			}

		});
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		CompletableFuture<Void> first = limiter.acquire();
		CompletableFuture<Void> second = limiter.acquire();
		this.time.advance(PERIOD.multipliedBy(2));
		assertThat(first).isCompleted();
		assertThat(second).isCompleted();
		assertThat(limiter.waitingCount()).isZero();
		assertThat(this.log.times()).hasSize(3);
		assertThat(this.log.rejections()).isOne();
	}

	@Test
	void acquireWhoseTurnComesAfterItsTimeoutFailsAtOnceAndConsumesNoPermit() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> timed = limiter.acquire(Duration.ofMillis(200));
		assertThatExceptionOfType(CompletionException.class).isThrownBy(timed::join)
			.havingCause()
			.isInstanceOf(TimeoutException.class)
			.withMessageContaining("PT0.2S");
		CompletableFuture<Void> next = limiter.acquire();
		assertThat(limiter.waitingCount()).isOne();
		assertThat(this.log.rejections()).isOne();
		this.time.advance(PERIOD);
		assertThat(next).isCompleted();
		assertThat(this.log.times()).hasSize(2);
	}

	@Test
	void acquireWithTimeoutGrantedInTimeCancelsItsTimeoutEntry() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> timed = limiter.acquire(Duration.ofSeconds(1));
		assertThat(this.time.pendingCount()).isEqualTo(2);
		this.time.advance(PERIOD);
		assertThat(timed).isCompleted();
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void zeroTimeoutGrantsAtOnceWhenAPermitIsFree() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThat(limiter.acquire(Duration.ZERO)).isCompleted();
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void zeroTimeoutTimesOutAtOnceWhenNoPermitIsFree() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> timed = limiter.acquire(Duration.ZERO);
		assertThat(timed).isCompletedExceptionally();
		assertThatExceptionOfType(CompletionException.class).isThrownBy(timed::join)
			.withCauseInstanceOf(TimeoutException.class);
		assertThat(limiter.waitingCount()).isZero();
		assertThat(this.time.pendingCount()).isZero();
		this.time.advance(PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
	}

	@Test
	void onlyOneWakeUpIsPendingWhateverTheNumberOfWaiters() {
		SlidingWindowRateLimiter limiter = limiter(10, PERIOD);
		List<CompletableFuture<Void>> calls = IntStream.range(0, 1010).mapToObj((i) -> limiter.acquire()).toList();
		assertThat(limiter.waitingCount()).isEqualTo(1000);
		assertThat(this.time.pendingCount()).isOne();
		this.time.advance(PERIOD);
		assertThat(calls.stream().filter(CompletableFuture::isDone)).hasSize(20);
		assertThat(this.time.pendingCount()).isOne();
		this.time.advance(PERIOD.multipliedBy(99));
		assertThat(calls).allMatch(CompletableFuture::isDone);
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void timedWaitersAddOneTimeoutEntryEachBesideTheOneWakeUp() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		List<CompletableFuture<Void>> calls = IntStream.range(0, 1000)
			.mapToObj((i) -> limiter.acquire(Duration.ofHours(1)))
			.toList();
		assertThat(this.time.pendingCount()).isEqualTo(1001);
		calls.forEach((call) -> call.cancel(false));
		assertThat(this.time.pendingCount()).isZero();
		assertThat(limiter.waitingCount()).isZero();
	}

	@Test
	void grantsCompleteWaitersOnTheExecutor() throws Exception {
		this.pool = Executors.newSingleThreadExecutor((task) -> new Thread(task, "limiter-executor"));
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD, this.pool);
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<String> thread = limiter.acquire().thenApply((granted) -> Thread.currentThread().getName());
		this.time.advance(PERIOD);
		assertThat(thread.get(10, TimeUnit.SECONDS)).isEqualTo("limiter-executor");
	}

	@Test
	void slowContinuationDoesNotBlockTheLimiter() throws Exception {
		this.pool = Executors.newSingleThreadExecutor();
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD, this.pool);
		assertThat(limiter.tryAcquire()).isTrue();
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch blocked = new CountDownLatch(1);
		CompletableFuture<Void> first = limiter.acquire();
		first.thenRun(() -> {
			blocked.countDown();
			await(release);
		});
		CompletableFuture<Void> second = limiter.acquire();
		this.time.advance(PERIOD);
		assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
		try {
			// The continuation holds the executor's only thread, not the limiter.
			CompletableFuture<Boolean> tried = CompletableFuture.supplyAsync(limiter::tryAcquire);
			assertThat(tried.get(10, TimeUnit.SECONDS)).isFalse();
			assertThat(CompletableFuture.supplyAsync(() -> second.cancel(false)).get(10, TimeUnit.SECONDS)).isTrue();
			assertThat(limiter.waitingCount()).isZero();
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void listenerHearsZeroWaitForImmediateGrantsAndTheWaitedTimeForQueuedOnes() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		limiter.acquire();
		this.time.advance(Duration.ofMillis(100));
		limiter.acquire();
		this.time.advance(PERIOD);
		assertThat(this.log.waits()).containsExactly(0L, Duration.ofMillis(400).toNanos());
	}

	@Test
	void ringGrowsUntilMaxCallsGrantsFitInOneWindow() {
		SlidingWindowRateLimiter limiter = limiter(1000, PERIOD);
		for (int i = 0; i < 1000; i++) {
			assertThat(limiter.tryAcquire()).isTrue();
			this.time.advanceNanos(1);
		}
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(limiter.availablePermits()).isZero();
		this.time.advanceNanos(PERIOD.toNanos() - 1000);
		assertThat(limiter.availablePermits()).isOne();
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		this.time.advance(PERIOD);
		assertThat(limiter.availablePermits()).isEqualTo(1000);
		assertThat(IntStream.range(0, 1001).filter((i) -> limiter.tryAcquire())).hasSize(1000);
	}

	@Test
	void ringGrowsWhileWaitersWait() {
		SlidingWindowRateLimiter limiter = limiter(100, PERIOD);
		List<CompletableFuture<Void>> calls = IntStream.range(0, 300).mapToObj((i) -> limiter.acquire()).toList();
		assertThat(calls.stream().filter(CompletableFuture::isDone)).hasSize(100);
		this.time.advance(PERIOD);
		assertThat(calls.stream().filter(CompletableFuture::isDone)).hasSize(200);
		this.time.advance(PERIOD);
		assertThat(calls).allMatch(CompletableFuture::isDone);
		assertThat(limiter.tryAcquire()).isFalse();
	}

	@Test
	void hugeMaxCallsNeedsMemoryOnlyForTheGrantsOfOnePeriod() {
		SlidingWindowRateLimiter limiter = limiter(SlidingWindowRateLimiter.MAX_RING, Duration.ofNanos(100_000));
		for (int i = 0; i < 1_000_000; i++) {
			if (i % 100 == 0) {
				this.time.advanceNanos(1000);
			}
			if (!limiter.tryAcquire()) {
				throw new AssertionError("refused call " + i);
			}
		}
		assertThat(limiter.availablePermits()).isEqualTo(SlidingWindowRateLimiter.MAX_RING - 10_000);
	}

	@Test
	void maxCallsOfExactlyTheLargestRingGrantsThemAll() {
		SlidingWindowRateLimiter limiter = limiter(SlidingWindowRateLimiter.MAX_RING, PERIOD);
		assertThat(limiter.availablePermits()).isEqualTo(67_108_864);
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.availablePermits()).isEqualTo(67_108_863);
	}

	@Test
	void clockWrappingAroundDoesNotMatter() {
		ManualTime wrapping = new ManualTime(Long.MAX_VALUE - Duration.ofMillis(250).toNanos());
		SlidingWindowRateLimiter limiter = new SlidingWindowRateLimiter("", RateLimiterConfig.of(2, PERIOD), wrapping,
				wrapping, ManualTime.DIRECT, RateLimiterListener.none());
		assertThat(limiter.tryAcquire()).isTrue();
		wrapping.advance(Duration.ofMillis(300));
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> waiter = limiter.acquire();
		wrapping.advance(Duration.ofMillis(199));
		assertThat(waiter).isNotDone();
		wrapping.advance(Duration.ofMillis(1));
		assertThat(waiter).isCompleted();
	}

	@Test
	void centuriesLongPeriodKeepsRefusing() {
		SlidingWindowRateLimiter limiter = limiter(2, Duration.ofDays(365L * 1000));
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isTrue();
		this.time.advance(Duration.ofDays(365L * 50));
		assertThat(limiter.tryAcquire()).isFalse();
	}

	@Test
	void waitingAndAvailableTellTheCurrentState() {
		SlidingWindowRateLimiter limiter = limiter(3, PERIOD);
		assertThat(limiter.availablePermits()).isEqualTo(3);
		limiter.tryAcquire();
		assertThat(limiter.availablePermits()).isEqualTo(2);
		limiter.acquire();
		limiter.acquire();
		limiter.acquire();
		assertThat(limiter.availablePermits()).isZero();
		assertThat(limiter.waitingCount()).isOne();
		this.time.advance(PERIOD);
		assertThat(limiter.waitingCount()).isZero();
		assertThat(limiter.availablePermits()).isEqualTo(2);
	}

	@Test
	void acquireWithNullTimeoutThrowsNullPointerException() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThatNullPointerException().isThrownBy(() -> limiter.acquire(null))
			.withMessage("timeout must not be null");
	}

	@Test
	void acquireWithNegativeTimeoutThrowsIllegalArgumentException() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.acquire(Duration.ofMillis(-1)))
			.withMessageContaining("timeout")
			.withMessageContaining("PT-0.001S");
	}

	@Test
	void nullArgumentsAreRejectedWithMessagesNamingThem() {
		RateLimiterConfig config = RateLimiterConfig.of(1, PERIOD);
		RateLimiterListener none = RateLimiterListener.none();
		Executor direct = ManualTime.DIRECT;
		assertThatNullPointerException()
			.isThrownBy(() -> new SlidingWindowRateLimiter(null, config, this.time, this.time, direct, none))
			.withMessage("name must not be null");
		assertThatNullPointerException()
			.isThrownBy(() -> new SlidingWindowRateLimiter("", null, this.time, this.time, direct, none))
			.withMessage("config must not be null");
		assertThatNullPointerException()
			.isThrownBy(() -> new SlidingWindowRateLimiter("", config, null, this.time, direct, none))
			.withMessage("ticker must not be null");
		assertThatNullPointerException()
			.isThrownBy(() -> new SlidingWindowRateLimiter("", config, this.time, null, direct, none))
			.withMessage("scheduler must not be null");
		assertThatNullPointerException()
			.isThrownBy(() -> new SlidingWindowRateLimiter("", config, this.time, this.time, null, none))
			.withMessage("executor must not be null");
		assertThatNullPointerException()
			.isThrownBy(() -> new SlidingWindowRateLimiter("", config, this.time, this.time, direct, null))
			.withMessage("listener must not be null");
	}

	@Test
	void acquireWithoutConfiguredTimeoutWaitsAsLongAsItTakes() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThat(limiter.acquire()).isCompleted();
		CompletableFuture<Void> waiter = limiter.acquire();
		assertThat(this.time.pendingCount()).as("only the wake-up, no timeout entry").isOne();
		this.time.advance(PERIOD.minusNanos(1));
		assertThat(waiter).isNotDone();
		this.time.advanceNanos(1);
		assertThat(waiter).isCompleted();
	}

	@Test
	void acquireWithZeroConfiguredTimeoutFailsAtOnceWithoutQueueing() {
		SlidingWindowRateLimiter limiter = limiter(RateLimiterConfig.of(1, PERIOD).withTimeout(Duration.ZERO),
				ManualTime.DIRECT, this.log);
		assertThat(limiter.acquire()).isCompleted();
		CompletableFuture<Void> refused = limiter.acquire();
		assertThat(refused).isCompletedExceptionally();
		assertThatExceptionOfType(CompletionException.class).isThrownBy(refused::join)
			.havingCause()
			.isInstanceOf(TimeoutException.class)
			.withMessageContaining("PT0S");
		assertThat(limiter.waitingCount()).isZero();
		assertThat(this.time.pendingCount()).isZero();
		assertThat(this.log.rejections()).isOne();
		this.time.advance(PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
	}

	@Test
	void acquireWithConfiguredTimeoutShorterThanItsTurnFailsAtOnceAndConsumesNoPermit() {
		SlidingWindowRateLimiter limiter = limiter(RateLimiterConfig.of(1, PERIOD).withTimeout(Duration.ofMillis(200)),
				ManualTime.DIRECT, this.log);
		assertThat(limiter.acquire()).isCompleted();
		CompletableFuture<Void> timed = limiter.acquire();
		assertThat(timed).isCompletedExceptionally();
		assertThatExceptionOfType(CompletionException.class).isThrownBy(timed::join)
			.havingCause()
			.isInstanceOf(TimeoutException.class)
			.withMessageContaining("PT0.2S");
		assertThat(limiter.waitingCount()).isZero();
		assertThat(this.time.pendingCount()).isZero();
		this.time.advance(PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(this.log.times()).hasSize(2);
	}

	@Test
	void acquireWithConfiguredTimeoutIsGrantedWithinIt() {
		SlidingWindowRateLimiter limiter = limiter(RateLimiterConfig.of(1, PERIOD).withTimeout(Duration.ofSeconds(1)),
				ManualTime.DIRECT, this.log);
		assertThat(limiter.acquire()).isCompleted();
		CompletableFuture<Void> timed = limiter.acquire();
		this.time.advance(PERIOD);
		assertThat(timed).isCompleted();
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void nameAndConfigAreTheOnesGiven() {
		RateLimiterConfig config = new RateLimiterConfig(3, PERIOD, Duration.ofSeconds(2));
		RateLimiter limiter = RateLimiterFactory.inMemory(this.time, this.time, ManualTime.DIRECT)
			.create("payments", config, RateLimiterListener.none());
		assertThat(limiter.name()).isEqualTo("payments");
		assertThat(limiter.config()).isSameAs(config);
		assertThat(limiter).hasToString("SlidingWindowRateLimiter[name=payments, maxCalls=3, period=PT0.5S]");
	}

	@Test
	void unnamedLimiterHasTheEmptyName() {
		RateLimiter limiter = RateLimiter.slidingWindow(2, PERIOD);
		assertThat(limiter.name()).isEmpty();
		assertThat(limiter.config()).isEqualTo(RateLimiterConfig.of(2, PERIOD));
	}

	@Test
	void listenerHearsGrantsAndRejectionsFromTheLimiterItself() {
		SlidingWindowRateLimiter limiter = limiter(1, PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(limiter.acquire(Duration.ZERO)).isCompletedExceptionally();
		CompletableFuture<Void> timed = limiter.acquire(Duration.ofMillis(100));
		this.time.advance(Duration.ofMillis(100));
		assertThat(timed).isCompletedExceptionally();
		CompletableFuture<Void> waiter = limiter.acquire();
		this.time.advance(PERIOD);
		assertThat(waiter).isCompleted();
		assertThat(this.log.rejections()).as("tryAcquire false, zero timeout, timeout").isEqualTo(3);
		assertThat(this.log.waits()).containsExactly(0L, Duration.ofMillis(400).toNanos());
		assertThat(this.log.reporters()).hasSize(5).allSatisfy((reporter) -> assertThat(reporter).isSameAs(limiter));
	}

	@Test
	void tryAcquireWithoutListenerAllocatesNothing() {
		ThreadMXBean allocations = (ThreadMXBean) ManagementFactory.getThreadMXBean();
		SlidingWindowRateLimiter limiter = limiter(1, Duration.ofNanos(2), ManualTime.DIRECT,
				RateLimiterListener.none());
		long thread = Thread.currentThread().getId();
		long before = allocations.getThreadAllocatedBytes(thread);
		int granted = 0;
		for (int i = 0; i < 20_000; i++) {
			granted += limiter.tryAcquire() ? 1 : 0;
			granted += limiter.tryAcquire() ? 1 : 0;
			this.time.advanceNanos(2);
		}
		long allocated = allocations.getThreadAllocatedBytes(thread) - before;
		assertThat(granted).isEqualTo(20_000);
		assertThat(allocated).as("bytes allocated by 40 000 calls, granted and refused").isLessThan(20_000);
	}

	@Test
	void slidingWindowFactoryBuildsAWorkingLimiter() {
		RateLimiter limiter = RateLimiter.slidingWindow(2, Duration.ofHours(1));
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.acquire()).isCompleted();
		assertThat(limiter.tryAcquire()).isFalse();
		CompletableFuture<Void> waiter = limiter.acquire();
		assertThat(waiter.cancel(false)).isTrue();
		assertThatExceptionOfType(CancellationException.class).isThrownBy(waiter::join);
		assertThat(limiter).hasToString("SlidingWindowRateLimiter[maxCalls=2, period=PT1H]");
	}

	private SlidingWindowRateLimiter limiter(int maxCalls, Duration period) {
		return limiter(maxCalls, period, ManualTime.DIRECT);
	}

	private SlidingWindowRateLimiter limiter(int maxCalls, Duration period, Executor executor) {
		return limiter(maxCalls, period, executor, this.log);
	}

	private SlidingWindowRateLimiter limiter(int maxCalls, Duration period, Executor executor,
			RateLimiterListener listener) {
		return limiter(RateLimiterConfig.of(maxCalls, period), executor, listener);
	}

	private SlidingWindowRateLimiter limiter(RateLimiterConfig config, Executor executor,
			RateLimiterListener listener) {
		return new SlidingWindowRateLimiter("", config, this.time, this.time, executor, listener);
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Records what a limiter reports, with the time of each grant read from the clock
	 * when it is reported: on a {@link ManualTime} whose commands run on the thread that
	 * advances it (or are run by the test), that is the time the limiter decided the
	 * grant.
	 */
	static class GrantLog implements RateLimiterListener {

		private final Ticker clock;

		private final List<Long> times = new ArrayList<>();

		private final List<Long> waits = new ArrayList<>();

		private final List<RateLimiter> reporters = new ArrayList<>();

		private int rejected;

		GrantLog(Ticker clock) {
			this.clock = clock;
		}

		@Override
		public synchronized void granted(RateLimiter limiter, long waitNanos) {
			this.times.add(this.clock.read());
			this.waits.add(waitNanos);
			this.reporters.add(limiter);
		}

		@Override
		public synchronized void rejected(RateLimiter limiter) {
			this.rejected++;
			this.reporters.add(limiter);
		}

		synchronized List<Long> times() {
			return new ArrayList<>(this.times);
		}

		synchronized List<Long> waits() {
			return new ArrayList<>(this.waits);
		}

		synchronized List<RateLimiter> reporters() {
			return new ArrayList<>(this.reporters);
		}

		synchronized int rejections() {
			return this.rejected;
		}

	}

	/** Holds handed-over commands until the test runs them. */
	static final class QueueingExecutor implements Executor {

		private final Queue<Runnable> tasks = new ArrayDeque<>();

		private final AtomicBoolean running = new AtomicBoolean();

		@Override
		public synchronized void execute(Runnable command) {
			this.tasks.add(command);
		}

		synchronized int size() {
			return this.tasks.size();
		}

		void runAll() {
			assertThat(this.running.compareAndSet(false, true)).isTrue();
			try {
				Runnable task;
				while ((task = poll()) != null) {
					task.run();
				}
			}
			finally {
				this.running.set(false);
			}
		}

		private synchronized Runnable poll() {
			return this.tasks.poll();
		}

	}

}
