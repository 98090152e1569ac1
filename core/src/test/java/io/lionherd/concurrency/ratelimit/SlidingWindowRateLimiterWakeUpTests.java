package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@link SlidingWindowRateLimiter}'s wake-ups complete the waiters they grant, and
 * what happens when its {@link DelayScheduler} fails: every granted waiter completes on
 * its own, and no scheduler failure leaves a waiter pending forever or the limiter
 * refusing for good.
 */
class SlidingWindowRateLimiterWakeUpTests {

	private static final Duration PERIOD = Duration.ofMillis(500);

	private final ManualTime time = new ManualTime(1_000_000_000L);

	private ExecutorService pool;

	@AfterEach
	void shutDownPool() {
		if (this.pool != null) {
			this.pool.shutdownNow();
		}
	}

	@Test
	void continuationsOfWaitersGrantedAtOneInstantRunAtTheSameTime() {
		this.pool = Executors.newFixedThreadPool(6);
		SlidingWindowRateLimiter limiter = limiter(5, this.time, this.pool);
		fillWindow(limiter, 5);
		CountDownLatch together = new CountDownLatch(5);
		List<CompletableFuture<Void>> continuations = IntStream.range(0, 5)
			.mapToObj((i) -> limiter.acquire().thenRun(() -> {
				// A blocking call: each holds its thread until all five run at once.
				together.countDown();
				await(together);
			}))
			.toList();
		this.time.advance(PERIOD);
		assertThat(awaitQuietly(together, Duration.ofSeconds(10))).as("all five continuations running at once")
			.isTrue();
		assertThat(continuations)
			.allSatisfy((continuation) -> assertThat(continuation).succeedsWithin(Duration.ofSeconds(10)));
	}

	@Test
	void continuationMayWaitForASiblingGrantedAtTheSameInstant() {
		this.pool = Executors.newFixedThreadPool(4);
		SlidingWindowRateLimiter limiter = limiter(2, this.time, this.pool);
		fillWindow(limiter, 2);
		CompletableFuture<Void> first = limiter.acquire();
		CompletableFuture<Void> second = limiter.acquire();
		CompletableFuture<Boolean> firstSawSecond = first.thenApply((granted) -> completesWithin(second));
		CompletableFuture<Boolean> secondSawFirst = second.thenApply((granted) -> completesWithin(first));
		this.time.advance(PERIOD);
		assertThat(firstSawSecond).succeedsWithin(Duration.ofSeconds(20)).isEqualTo(true);
		assertThat(secondSawFirst).succeedsWithin(Duration.ofSeconds(20)).isEqualTo(true);
	}

	@Test
	void cancelThatReturnsFalseFindsTheGrantedWaiterCompleted() throws Exception {
		// One wake-up thread, held by the first continuation to
		// run: the other waiter was granted in the same wake-up and
		// must not be left half-decided (granted, never completed).
		this.pool = Executors.newSingleThreadExecutor();
		SlidingWindowRateLimiter limiter = limiter(2, this.time, this.pool);
		fillWindow(limiter, 2);
		CompletableFuture<Void> first = limiter.acquire(Duration.ofHours(1));
		CompletableFuture<Void> second = limiter.acquire(Duration.ofHours(1));
		AtomicBoolean held = new AtomicBoolean();
		CountDownLatch holding = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Runnable holdTheFirstThread = () -> {
			if (held.compareAndSet(false, true)) {
				holding.countDown();
				await(release);
			}
		};
		first.thenRun(holdTheFirstThread);
		second.thenRun(holdTheFirstThread);
		this.time.advance(PERIOD);
		assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
		try {
			for (CompletableFuture<Void> waiter : List.of(first, second)) {
				boolean cancelled = waiter.cancel(true);
				assertThat(cancelled).as("cancel of a granted waiter").isFalse();
				assertThat(waiter).as("a waiter whose cancel returned false").isDone();
				assertThat(waiter).isCompleted();
			}
			// Both timeout entries are gone: neither waiter can time out after its grant.
			assertThat(this.time.pendingCount()).isZero();
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void grantedWaitersCompleteEvenIfTheExecutorRejectsTheirCompletion() {
		AtomicInteger accepted = new AtomicInteger();
		// Accepts the wake-up and runs it inline,
		// then refuses everything (shutting down).
		Executor rejectingAfterTheWakeUp = (command) -> {
			if (accepted.getAndIncrement() > 0) {
				throw new RejectedExecutionException("shutting down");
			}
			command.run();
		};
		SlidingWindowRateLimiter limiter = limiter(3, this.time, rejectingAfterTheWakeUp);
		fillWindow(limiter, 3);
		List<CompletableFuture<Void>> waiters = IntStream.range(0, 3).mapToObj((i) -> limiter.acquire()).toList();
		this.time.advance(PERIOD);
		assertThat(waiters).allSatisfy((waiter) -> assertThat(waiter).isCompleted());
	}

	@Test
	void acquireWithASchedulerThatThrowsDoesNotWedgeTheLimiter() {
		SlidingWindowRateLimiter limiter = limiter(1, new ThrowingScheduler(this.time), ManualTime.DIRECT);
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> waiter = limiter.acquire();
		this.time.advance(PERIOD);
		// The wake-up fell back to the shared timer, which counts real time.
		assertThat(waiter).succeedsWithin(Duration.ofSeconds(20));
		this.time.advance(PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.waitingCount()).isZero();
	}

	@Test
	void timedAcquireWithASchedulerThatThrowsStillTimesOutAndLeavesTheLimiterUsable() {
		SlidingWindowRateLimiter limiter = limiter(1, new ThrowingScheduler(this.time), ManualTime.DIRECT);
		assertThat(limiter.tryAcquire()).isTrue();
		// Its turn is 10 ms away on the manual clock, within the timeout: it waits, and
		// the shared timer (real time) times it out, the manual clock never reaching it.
		this.time.advance(PERIOD.minusMillis(10));
		CompletableFuture<Void> waiter = limiter.acquire(Duration.ofMillis(50));
		assertThat(waiter).isNotDone();
		assertThat(waiter).failsWithin(Duration.ofSeconds(20))
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(TimeoutException.class);
		assertThat(limiter.waitingCount()).isZero();
		this.time.advance(PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
	}

	@Test
	void wakeUpThatCannotRescheduleStillCompletesWhatItGrantedAndServesTheRest() {
		ThrowingScheduler scheduler = new ThrowingScheduler(this.time);
		scheduler.throwing = false;
		SlidingWindowRateLimiter limiter = limiter(1, scheduler, ManualTime.DIRECT);
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> first = limiter.acquire();
		CompletableFuture<Void> second = limiter.acquire();
		scheduler.throwing = true;
		// The wake-up grants the first and must schedule
		// the next one for the second: that fails.
		this.time.advance(PERIOD);
		assertThat(first).isCompleted();
		this.time.advance(PERIOD);
		assertThat(second).succeedsWithin(Duration.ofSeconds(20));
		this.time.advance(PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
	}

	@Test
	void cancelledWaiterOfASchedulerThatThrowsLeavesTheLimiterUsable() {
		SlidingWindowRateLimiter limiter = limiter(1, new ThrowingScheduler(this.time), ManualTime.DIRECT);
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> waiter = limiter.acquire();
		assertThat(waiter.cancel(false)).isTrue();
		assertThat(limiter.waitingCount()).isZero();
		this.time.advance(PERIOD);
		assertThat(limiter.tryAcquire()).isTrue();
	}

	private SlidingWindowRateLimiter limiter(int maxCalls, DelayScheduler scheduler, Executor executor) {
		return new SlidingWindowRateLimiter("", RateLimiterConfig.of(maxCalls, PERIOD), this.time, scheduler, executor,
				RateLimiterListener.none());
	}

	private static void fillWindow(SlidingWindowRateLimiter limiter, int maxCalls) {
		for (int i = 0; i < maxCalls; i++) {
			assertThat(limiter.tryAcquire()).isTrue();
		}
		assertThat(limiter.tryAcquire()).isFalse();
	}

	private static boolean completesWithin(CompletableFuture<Void> future) {
		try {
			future.get(10, TimeUnit.SECONDS);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		catch (ExecutionException | TimeoutException ex) {
			return false;
		}
	}

	private static void await(CountDownLatch latch) {
		awaitQuietly(latch, Duration.ofSeconds(30));
	}

	private static boolean awaitQuietly(CountDownLatch latch, Duration timeout) {
		try {
			return latch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * A scheduler shutting down: refuses every command while {@link #throwing} is set.
	 */
	private static final class ThrowingScheduler implements DelayScheduler {

		private final DelayScheduler delegate;

		volatile boolean throwing = true;

		ThrowingScheduler(DelayScheduler delegate) {
			this.delegate = delegate;
		}

		@Override
		public Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
			if (this.throwing) {
				throw new RejectedExecutionException("scheduler shut down");
			}
			return this.delegate.schedule(executor, command, delay, unit);
		}

	}

}
