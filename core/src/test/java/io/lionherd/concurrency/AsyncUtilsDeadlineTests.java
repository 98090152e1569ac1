package io.lionherd.concurrency;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the deadline scopes of {@link AsyncUtils}: {@code failAfter}, {@code failAt},
 * {@code moveOnAfter}, {@code moveOnAt}, {@code effectiveDeadline} and the work of a
 * scope. Time is driven by hand ({@link ManualTime}); lionherd's {@code test_cancel.py}
 * tests are named where ported (its {@code None} timeouts, shields and the
 * {@code CancelScope} alias have no counterpart here).
 */
class AsyncUtilsDeadlineTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final ManualTime time = new ManualTime(1_000_000_000L);

	private final ThreadPoolExecutor executor = new ThreadPoolExecutor(4, 4, 0, TimeUnit.SECONDS,
			new LinkedBlockingQueue<>());

	private final AsyncUtils async = this.time.configure(AsyncUtils.builder()).executor(this.executor).build();

	@AfterEach
	void shutdown() throws InterruptedException {
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void failAfterCompletesWithTheBodysResultBeforeTheDeadline() {
		CompletableFuture<String> result = this.async.failAfter(Duration.ofSeconds(1),
				() -> this.async.sleep(Duration.ofMillis(100)).thenApply((ignored) -> "done"));
		this.time.advance(Duration.ofMillis(100));
		assertThat(result).isCompletedWithValue("done");
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void failAfterFailsWithATimeoutNamingTheTimeoutAndCancelsTheSleep() {
		// test_fail_at_future_and_past_deadlines (future deadline)
		AtomicReference<CompletableFuture<Void>> sleep = new AtomicReference<>();
		CompletableFuture<Void> result = this.async.failAfter(Duration.ofMillis(10), () -> {
			sleep.set(this.async.sleep(Duration.ofMillis(50)));
			return sleep.get();
		});
		this.time.advance(Duration.ofMillis(9));
		assertThat(result).isNotDone();
		this.time.advance(Duration.ofMillis(1));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class)
			.withMessageContaining("PT0.01S");
		assertThat(sleep.get()).isCancelled();
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void zeroTimeoutTimesOutAtOnce() {
		// test_fail_after_zero_deadline_raises_fast
		CompletableFuture<Void> result = this.async.failAfter(Duration.ZERO,
				() -> this.async.sleep(Duration.ofMillis(1)));
		assertThat(result).isCompletedExceptionally();
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void zeroTimeoutKeepsAStageAlreadyComplete() {
		assertThat(this.async.failAfter(Duration.ZERO, () -> CompletableFuture.completedFuture("ready")))
			.isCompletedWithValue("ready");
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void aBodyReturningACompletedFutureWithoutWorkIsAnsweredWithThatFutureAndLeavesNothing() {
		CompletableFuture<String> done = CompletableFuture.completedFuture("ready");
		assertThat(this.async.failAfter(Duration.ofSeconds(10), () -> done)).isSameAs(done);
		assertThat(this.async.failAt(this.async.currentTime() + 10, () -> done)).isSameAs(done);
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void failAtAPastDeadlineTimesOutAtOnce() {
		// test_fail_at_future_and_past_deadlines (past deadline)
		double now = this.async.currentTime();
		CompletableFuture<Void> result = this.async.failAt(now - 1, () -> this.async.sleep(Duration.ZERO.plusNanos(1)));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
	}

	@Test
	void failAtTimesOutAtTheAbsoluteDeadline() {
		double deadline = this.async.currentTime() + 0.01;
		CompletableFuture<Void> result = this.async.failAt(deadline, () -> this.async.sleep(Duration.ofMillis(50)));
		this.time.advance(Duration.ofNanos(9_999_000));
		assertThat(result).isNotDone();
		this.time.advance(Duration.ofMillis(1));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class)
			.withMessageContaining(String.valueOf(deadline));
	}

	@Test
	void moveOnAfterZeroCompletesEmpty() {
		// test_move_on_after_zero_deadline_sets_flag
		assertThat(this.async.moveOnAfter(Duration.ZERO, () -> this.async.sleep(Duration.ofMillis(1))))
			.isCompletedWithValue(Optional.empty());
	}

	@Test
	void moveOnAtFutureAndPastDeadlinesCompleteEmpty() {
		// test_move_on_at_future_and_past
		double now = this.async.currentTime();
		CompletableFuture<Optional<Void>> future = this.async.moveOnAt(now + 0.005,
				() -> this.async.sleep(Duration.ofMillis(20)));
		this.time.advance(Duration.ofMillis(5));
		assertThat(future).isCompletedWithValue(Optional.empty());
		assertThat(this.async.moveOnAt(now - 1, () -> this.async.sleep(Duration.ofNanos(1))))
			.isCompletedWithValue(Optional.empty());
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void moveOnAfterAnswersTheResultBeforeTheDeadline() {
		// test_move_on_after_none_completes_successfully (no deadline reached)
		CompletableFuture<Optional<String>> result = this.async.moveOnAfter(Duration.ofSeconds(1),
				() -> this.async.sleep(Duration.ofMillis(1)).thenApply((ignored) -> "done"));
		this.time.advance(Duration.ofMillis(1));
		assertThat(result).isCompletedWithValue(Optional.of("done"));
		assertThat(this.async.moveOnAfter(Duration.ofSeconds(1), () -> CompletableFuture.completedFuture(null)))
			.isCompletedWithValue(Optional.empty());
	}

	@Test
	void moveOnAfterFailsWithTheBodysOwnFailure() {
		IllegalStateException failure = new IllegalStateException("boom");
		assertThat(this.async.moveOnAfter(Duration.ofSeconds(1), () -> CompletableFuture.failedFuture(failure)))
			.failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isSameAs(failure);
		assertThat(this.async.failAfter(Duration.ofSeconds(1), () -> {
			throw failure;
		})).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isSameAs(failure);
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void innerTimeoutCaughtInsideAnOuterMoveOnDoesNotEndTheOuter() {
		// test_nested_scopes_fail_after_inside_move_on_after
		CompletableFuture<Optional<String>> outer = this.async.moveOnAfter(Duration.ofMillis(100),
				() -> this.async.failAfter(Duration.ofMillis(10), () -> this.async.sleep(Duration.ofMillis(50)))
					.handle((value, error) -> (error instanceof TimeoutException) ? "inner timed out" : "no"));
		this.time.advance(Duration.ofMillis(10));
		assertThat(outer).isCompletedWithValue(Optional.of("inner timed out"));
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void outerDeadlineFiringFirstCancelsTheInnerScopeAndItsWork() {
		// test_none_timeout_still_cancellable: an inner scope with more time is still
		// cancelled by the outer one
		AtomicReference<CompletableFuture<Void>> inner = new AtomicReference<>();
		AtomicReference<CompletableFuture<Void>> sleep = new AtomicReference<>();
		CompletableFuture<Void> outer = this.async.failAfter(Duration.ofMillis(10), () -> {
			inner.set(this.async.failAfter(Duration.ofSeconds(10), () -> {
				sleep.set(this.async.sleep(Duration.ofSeconds(5)));
				return sleep.get();
			}));
			return inner.get();
		});
		assertThat(this.time.pendingCount()).as("the outer timer and the sleep; no inner timer").isEqualTo(2);
		this.time.advance(Duration.ofMillis(10));
		assertThat(outer).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class)
			.withMessageContaining("PT0.01S");
		assertThat(inner.get()).isCancelled();
		assertThat(sleep.get()).isCancelled();
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void effectiveDeadlineIsEmptyOutsideAnyScopeAndTheNearestInside() {
		// test_effective_deadline_inside_fail_at
		assertThat(this.async.effectiveDeadline()).isEmpty();
		double now = this.async.currentTime();
		List<OptionalDouble> seen = new ArrayList<>();
		this.async.moveOnAfter(Duration.ofMillis(400), () -> {
			seen.add(this.async.effectiveDeadline());
			return this.async.failAt(now + 0.2, () -> {
				seen.add(this.async.effectiveDeadline());
				return this.async.failAfter(Duration.ofSeconds(5), () -> {
					seen.add(this.async.effectiveDeadline());
					return CompletableFuture.completedFuture(null);
				});
			});
		});
		assertThat(seen).extracting(OptionalDouble::getAsDouble)
			.containsExactly(now + 0.4, now + 0.2, now + 0.2)
			.as("nested scopes only shorten");
		assertThat(this.async.effectiveDeadline()).isEmpty();
	}

	@Test
	void effectiveDeadlineAnswersInRunSyncTasksStartedFromTheScopeRecursively() {
		double deadline = this.async.currentTime() + 1;
		CompletableFuture<OptionalDouble> nested = this.async.failAt(deadline,
				() -> this.async.runSync(() -> this.async.runSync(this.async::effectiveDeadline).get()));
		assertThat(nested).succeedsWithin(WAIT).isEqualTo(OptionalDouble.of(deadline));
		assertThat(this.async.runSync(this.async::effectiveDeadline)).succeedsWithin(WAIT)
			.isEqualTo(OptionalDouble.empty());
	}

	@Test
	void sleepWakeUpsCompleteInTheScopeSoContinuationsSeeTheDeadline() {
		double deadline = this.async.currentTime() + 1;
		CompletableFuture<OptionalDouble> seen = this.async.failAt(deadline,
				() -> this.async.sleep(Duration.ofMillis(10)).thenApply((ignored) -> this.async.effectiveDeadline()));
		this.time.advance(Duration.ofMillis(10));
		assertThat(seen).isCompletedWithValue(OptionalDouble.of(deadline));
	}

	@Test
	void workStartedInAContinuationOfTheScopeIsCancelledAtTheDeadline() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		AtomicBoolean interrupted = new AtomicBoolean();
		CompletableFuture<Void> result = this.async.failAfter(Duration.ofSeconds(1),
				() -> this.async.sleep(Duration.ofMillis(10)).thenCompose((ignored) -> this.async.runSync(() -> {
					started.countDown();
					try {
						Thread.sleep(60_000);
					}
					catch (InterruptedException ex) {
						interrupted.set(true);
					}
				})));
		this.time.advance(Duration.ofMillis(10));
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(result).failsWithin(WAIT).withThrowableThat().havingCause().isInstanceOf(TimeoutException.class);
		await().atMost(WAIT).untilTrue(interrupted);
	}

	@Test
	void runSyncWorkersAreInterruptedAtTheDeadline() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		AtomicReference<CompletableFuture<Void>> task = new AtomicReference<>();
		CompletableFuture<Void> result = this.async.failAfter(Duration.ofSeconds(1), () -> {
			task.set(this.async.runSync(() -> {
				started.countDown();
				try {
					Thread.sleep(60_000);
				}
				catch (InterruptedException ex) {
					interrupted.countDown();
				}
			}));
			return task.get();
		});
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(task.get()).isCancelled();
		assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void aScopeCompletesAtTheDeadlineEvenIfItsWorkIgnoresInterrupts() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		AtomicBoolean sawInterrupt = new AtomicBoolean();
		CompletableFuture<Void> result = this.async.failAfter(Duration.ofSeconds(1), () -> this.async.runSync(() -> {
			started.countDown();
			while (release.getCount() > 0) {
				// Stubborn work: swallows interrupts and keeps going.
				if (Thread.interrupted()) {
					sawInterrupt.set(true);
				}
				Thread.onSpinWait();
			}
		}));
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(result).as("done at the deadline, while the worker still runs")
			.failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		await().atMost(WAIT).untilTrue(sawInterrupt);
		release.countDown();
	}

	@Test
	void queuedRunSyncTasksOfTheScopeNeverStartAfterTheDeadline() throws InterruptedException {
		CountDownLatch running = new CountDownLatch(4);
		AtomicInteger startedAfter = new AtomicInteger();
		CompletableFuture<Void> result = this.async.failAfter(Duration.ofSeconds(1), () -> {
			List<CompletableFuture<Void>> tasks = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				tasks.add(this.async.runSync(() -> {
					running.countDown();
					try {
						Thread.sleep(60_000);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}));
			}
			for (int i = 0; i < 20; i++) {
				tasks.add(this.async.runSync(() -> {
					startedAfter.incrementAndGet();
				}));
			}
			return this.async.gather(tasks).thenApply((ignored) -> null);
		});
		assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(this.executor.getQueue()).isEmpty();
		await().atMost(WAIT).until(() -> this.executor.getActiveCount() == 0);
		assertThat(startedAfter).hasValue(0);
	}

	@Test
	void runSyncTasksStartedFromScopeTasksAreCancelledToo() throws InterruptedException {
		CountDownLatch innerStarted = new CountDownLatch(1);
		CountDownLatch innerInterrupted = new CountDownLatch(1);
		CompletableFuture<Void> result = this.async.failAfter(Duration.ofSeconds(1), () -> this.async.runSync(() -> {
			this.async.runSync(() -> {
				innerStarted.countDown();
				try {
					Thread.sleep(60_000);
				}
				catch (InterruptedException ex) {
					innerInterrupted.countDown();
				}
			}).join();
		}));
		assertThat(innerStarted.await(30, TimeUnit.SECONDS)).isTrue();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(innerInterrupted.await(30, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void limiterWaitsOfTheScopeLeaveTheQueueAtTheDeadline() {
		RateLimiterRegistry registry = new RateLimiterRegistry(this.async.rateLimiterFactory());
		RateLimiter limiter = registry.rateLimiter("scoped", RateLimiterConfig.of(1, Duration.ofSeconds(10)));
		assertThat(limiter.acquire()).isDone();
		AtomicReference<CompletableFuture<Void>> acquire = new AtomicReference<>();
		CompletableFuture<Void> result = this.async.failAfter(Duration.ofSeconds(1), () -> {
			acquire.set(limiter.acquire());
			return acquire.get();
		});
		assertThat(limiter.waitingCount()).isOne();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(acquire.get()).isCancelled();
		assertThat(limiter.waitingCount()).isZero();
		this.time.advance(Duration.ofSeconds(10));
		assertThat(limiter.availablePermits()).as("the cancelled wait consumed no permit").isOne();
	}

	@Test
	void limiterGrantsCompleteInTheScopeSoContinuationsSeeTheDeadline() {
		RateLimiter limiter = this.async.rateLimiter(1, Duration.ofMillis(100));
		assertThat(limiter.acquire()).isDone();
		double deadline = this.async.currentTime() + 1;
		CompletableFuture<OptionalDouble> seen = this.async.failAt(deadline,
				() -> limiter.acquire().thenApply((ignored) -> this.async.effectiveDeadline()));
		this.time.advance(Duration.ofMillis(100));
		assertThat(seen).isCompletedWithValue(OptionalDouble.of(deadline));
	}

	@Test
	void cancellingTheResultCancelsTheWork() {
		AtomicReference<CompletableFuture<Void>> sleep = new AtomicReference<>();
		CompletableFuture<Void> result = this.async.failAfter(Duration.ofSeconds(1), () -> {
			sleep.set(this.async.sleep(Duration.ofSeconds(5)));
			return sleep.get();
		});
		assertThat(result.cancel(true)).isTrue();
		assertThat(sleep.get()).isCancelled();
		assertThat(this.time.pendingCount()).as("neither the deadline nor the sleep").isZero();
	}

	@Test
	void workStartedAfterTheDeadlineInTheScopesContextIsCancelledAtOnce() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<CompletableFuture<Void>> late = new CompletableFuture<>();
		CompletableFuture<Void> result = this.async.failAfter(Duration.ofSeconds(1), () -> this.async.runSync(() -> {
			started.countDown();
			while (release.getCount() > 0) {
				Thread.interrupted();
				Thread.onSpinWait();
			}
			// Still running for the ended scope: what it starts now is cancelled at once.
			late.complete(this.async.sleep(Duration.ofSeconds(1)));
		}));
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(result).isCompletedExceptionally();
		release.countDown();
		assertThat(late).succeedsWithin(WAIT).satisfies((sleep) -> assertThat(sleep).isCancelled());
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void tenThousandScopesEndingInTimeLeaveNoTimerEntries() {
		List<CompletableFuture<Void>> results = new ArrayList<>();
		for (int i = 0; i < 10_000; i++) {
			results.add(this.async.failAfter(Duration.ofSeconds(1), () -> this.async.sleep(Duration.ofMillis(1))));
		}
		assertThat(this.time.pendingCount()).as("one deadline and one sleep each, no thread").isEqualTo(20_000);
		this.time.advance(Duration.ofMillis(1));
		assertThat(results).allSatisfy((result) -> assertThat(result).isCompleted());
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void scopesOnARealTimerLeaveNoTimerEntries() throws Exception {
		ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
		timer.setRemoveOnCancelPolicy(true);
		try {
			AsyncUtils real = AsyncUtils.builder().executor(this.executor).scheduler(DelayScheduler.of(timer)).build();
			List<CompletableFuture<String>> results = new ArrayList<>();
			for (int i = 0; i < 10_000; i++) {
				CompletableFuture<String> body = new CompletableFuture<>();
				results.add(real.failAfter(Duration.ofHours(1), () -> body));
				body.complete("in time");
			}
			assertThat(results).allSatisfy((result) -> assertThat(result).isCompletedWithValue("in time"));
			assertThat(timer.getQueue()).isEmpty();
		}
		finally {
			timer.shutdownNow();
		}
	}

	@Test
	void aScopeThatEndedInTimeHoldsNoReferenceToItsWork() {
		AtomicReference<WeakReference<CompletableFuture<?>>> leftover = new AtomicReference<>();
		CompletableFuture<String> result = this.async.failAfter(Duration.ofSeconds(1), () -> {
			// Work the body starts and does not wait for.
			leftover.set(new WeakReference<>(this.async.gather(new CompletableFuture<String>())));
			return CompletableFuture.completedFuture("done");
		});
		assertThat(result).isCompletedWithValue("done");
		await().atMost(WAIT).until(() -> {
			System.gc();
			return leftover.get().get() == null;
		});
		assertThat(result).isCompletedWithValue("done");
	}

	@Test
	void anOpenScopeIsATimerEntryAndNoThread() {
		int threads = Thread.activeCount();
		List<CompletableFuture<Void>> results = new ArrayList<>();
		for (int i = 0; i < 1_000; i++) {
			results.add(this.async.failAfter(Duration.ofSeconds(1), CompletableFuture::new));
		}
		assertThat(this.time.pendingCount()).isEqualTo(1_000);
		assertThat(Thread.activeCount()).isLessThan(threads + 10);
		this.time.advance(Duration.ofSeconds(1));
		assertThat(results).allSatisfy((result) -> assertThat(result).isCompletedExceptionally());
	}

	@Test
	void argumentErrorsAreThrownAtTheCallNamingTheArgument() {
		AsyncCallable<Void> body = () -> CompletableFuture.completedFuture(null);
		assertThatNullPointerException().isThrownBy(() -> this.async.failAfter(null, body))
			.withMessageContaining("timeout");
		assertThatIllegalArgumentException().isThrownBy(() -> this.async.failAfter(Duration.ofMillis(-1), body))
			.withMessageContaining("timeout");
		assertThatNullPointerException().isThrownBy(() -> this.async.failAfter(Duration.ZERO, null))
			.withMessageContaining("body");
		assertThatIllegalArgumentException().isThrownBy(() -> this.async.moveOnAfter(Duration.ofMillis(-1), body))
			.withMessageContaining("timeout");
		assertThatNullPointerException().isThrownBy(() -> this.async.moveOnAt(1, null)).withMessageContaining("body");
		assertThatIllegalArgumentException().isThrownBy(() -> this.async.failAt(Double.NaN, body))
			.withMessageContaining("deadline");
	}

	@Test
	void aBodyReturningNullFailsTheScope() {
		assertThat(this.async.failAfter(Duration.ofSeconds(1), () -> null)).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(NullPointerException.class)
			.withMessageContaining("body");
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void aCancelledBodyStageCancelsNothingElseButEndsTheScope() {
		CompletableFuture<String> body = new CompletableFuture<>();
		CompletableFuture<String> result = this.async.failAfter(Duration.ofSeconds(1), () -> body);
		body.cancel(true);
		assertThat(result).isCancelled();
		assertThat(this.time.pendingCount()).isZero();
	}

}
