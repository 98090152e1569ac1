package io.lionherd.concurrency;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the edges of a deadline scope: what runs in it once it has ended (in time or
 * at its deadline), nested scopes that outlive their enclosing scope, and work that would
 * start after the deadline. Time is driven by hand ({@link ManualTime}); every
 * {@code runSync} submission is counted, so "never started" is exact.
 */
class AsyncUtilsScopeBoundaryTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final ManualTime time = new ManualTime(1_000_000_000L);

	private final ThreadPoolExecutor executor = new ThreadPoolExecutor(4, 4, 0, TimeUnit.SECONDS,
			new LinkedBlockingQueue<>());

	private final AtomicInteger submitted = new AtomicInteger();

	private final Executor counting = (command) -> {
		this.submitted.incrementAndGet();
		this.executor.execute(command);
	};

	private final AsyncUtils async = this.time.configure(AsyncUtils.builder()).executor(this.counting).build();

	@AfterEach
	void shutdown() throws InterruptedException {
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	private static List<Integer> range(int n) {
		return IntStream.range(0, n).boxed().collect(Collectors.toList());
	}

	private static void sleepUntilInterrupted(CountDownLatch started, CountDownLatch interrupted) {
		started.countDown();
		try {
			Thread.sleep(60_000);
		}
		catch (InterruptedException ex) {
			interrupted.countDown();
		}
	}

	// Item 1: a finished scope is not current in the continuations of its result.

	@Test
	void continuationsOfAScopeThatEndedInTimeSeeNoDeadline() {
		CompletableFuture<OptionalDouble> seen = this.async
			.failAfter(Duration.ofMillis(100), () -> this.async.sleep(Duration.ofMillis(10)))
			.thenApply((ignored) -> this.async.effectiveDeadline());
		this.time.advance(Duration.ofMillis(10));
		assertThat(seen).isCompletedWithValue(OptionalDouble.empty());
	}

	@Test
	void aScopeOpenedInTheContinuationOfAFinishedScopeTimesOut() {
		CompletableFuture<Object> opened = this.async
			.failAfter(Duration.ofMillis(100), () -> this.async.sleep(Duration.ofMillis(10)))
			.thenCompose((ignored) -> this.async.failAfter(Duration.ofSeconds(1), CompletableFuture::new));
		this.time.advance(Duration.ofMillis(10));
		assertThat(this.time.pendingCount()).as("the new scope's deadline").isOne();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(opened).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
	}

	@Test
	void aRetryStartedInTheContinuationOfAFinishedScopeIsNotBoundByItsDeadline() {
		AtomicInteger attempts = new AtomicInteger();
		RetryPolicy policy = RetryPolicy.builder()
			.maxAttempts(3)
			.baseDelay(Duration.ofMillis(500))
			.maxDelay(Duration.ofMillis(500))
			.jitter(0)
			.build();
		CompletableFuture<String> result = this.async
			.failAfter(Duration.ofMillis(100), () -> this.async.sleep(Duration.ofMillis(10)))
			.thenCompose((ignored) -> this.async.retry(
					() -> (attempts.incrementAndGet() < 3) ? CompletableFuture.failedFuture(new IOException("not yet"))
							: CompletableFuture.completedFuture("ok"),
					policy));
		this.time.advance(Duration.ofMillis(10));
		this.time.advance(Duration.ofSeconds(1));
		assertThat(result).isCompletedWithValue("ok");
		assertThat(attempts).hasValue(3);
	}

	@Test
	void workStartedWhenANestedScopeEndsInTimeIsCancelledAtTheOuterDeadline() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		CompletableFuture<Void> outer = this.async.failAfter(Duration.ofSeconds(1),
				() -> this.async.moveOnAfter(Duration.ofSeconds(5), () -> this.async.sleep(Duration.ofMillis(10)))
					.thenCompose((ignored) -> this.async.runSync(() -> sleepUntilInterrupted(started, interrupted))));
		this.time.advance(Duration.ofMillis(10));
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		this.time.advance(Duration.ofMillis(990));
		assertThat(outer).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void workStartedWhenANestedScopeTimesOutIsCancelledAtTheOuterDeadline() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		CompletableFuture<Void> outer = this.async.failAfter(Duration.ofSeconds(1),
				() -> this.async.moveOnAfter(Duration.ofMillis(100), () -> this.async.sleep(Duration.ofSeconds(5)))
					.thenCompose((ignored) -> this.async.runSync(() -> sleepUntilInterrupted(started, interrupted))));
		this.time.advance(Duration.ofMillis(100));
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		this.time.advance(Duration.ofMillis(900));
		assertThat(outer).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
	}

	// Item 2: nested scopes only shorten a deadline, never remove it.

	@Test
	void anInnerScopeThatOutlivesItsOuterScopeTimesOutAtItsOwnDeadline() {
		AtomicReference<CompletableFuture<Object>> inner = new AtomicReference<>();
		CompletableFuture<String> outer = this.async.failAfter(Duration.ofSeconds(1), () -> {
			inner.set(this.async.failAfter(Duration.ofSeconds(5), CompletableFuture::new));
			return CompletableFuture.completedFuture("ok");
		});
		assertThat(outer).isCompletedWithValue("ok");
		assertThat(this.time.pendingCount()).as("the inner scope's own deadline").isOne();
		this.time.advance(Duration.ofMillis(4999));
		assertThat(inner.get()).isNotDone();
		this.time.advance(Duration.ofMillis(1));
		assertThat(inner.get()).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class)
			.withMessageContaining("PT5S");
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void workOfANestedScopeThatEndedInTimeIsStillCancelledAtTheEnclosingDeadline() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		CompletableFuture<Void> outer = this.async.failAfter(Duration.ofSeconds(1), () -> {
			this.async.moveOnAfter(Duration.ofSeconds(10), () -> {
				this.async.runSync(() -> sleepUntilInterrupted(started, interrupted));
				return CompletableFuture.completedFuture("left running");
			});
			return this.async.sleep(Duration.ofSeconds(5));
		});
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(outer).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(this.time.pendingCount()).isZero();
	}

	// Item 3: nothing starts after the deadline, in any fan-out.

	@Test
	void boundedMapSettledCallsFnForNoItemAfterTheDeadline() {
		AtomicInteger calls = new AtomicInteger();
		CompletableFuture<Optional<List<Outcome<Object>>>> result = this.async.moveOnAfter(Duration.ofMillis(100),
				() -> this.async.boundedMapSettled(range(10), 2, (i) -> {
					calls.incrementAndGet();
					return this.async.runSync(() -> {
						Thread.sleep(60_000);
						return null;
					});
				}));
		this.time.advance(Duration.ofMillis(100));
		assertThat(result).isCompletedWithValue(Optional.empty());
		assertThat(calls).hasValue(2);
		assertThat(this.submitted).hasValue(2);
	}

	@Test
	void boundedMapCallsFnForNoItemAfterTheDeadline() {
		AtomicInteger calls = new AtomicInteger();
		CompletableFuture<Optional<List<Void>>> result = this.async.moveOnAfter(Duration.ofMillis(100),
				() -> this.async.boundedMap(range(10), 2, (i) -> {
					calls.incrementAndGet();
					return this.async.sleep(Duration.ofMillis(100));
				}));
		this.time.advance(Duration.ofMillis(100));
		assertThat(result).isCompletedWithValue(Optional.empty());
		assertThat(calls).as("the two sleeps waking at the deadline start no item").hasValue(2);
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void gatheredWorkStartedLazilyAtTheDeadlineNeverStarts() {
		CompletableFuture<Optional<List<Integer>>> result = this.async
			.moveOnAfter(Duration.ofMillis(100), () -> this.async.gather(
					this.async.sleep(Duration.ofMillis(100)).thenCompose((ignored) -> this.async.runSync(() -> 1))));
		this.time.advance(Duration.ofMillis(100));
		assertThat(result).isCompletedWithValue(Optional.empty());
		assertThat(this.submitted).as("the wake-up came at the deadline: too late to start").hasValue(0);
	}

	@Test
	void retryStartsNoAttemptAtTheDeadline() {
		AtomicInteger attempts = new AtomicInteger();
		RetryPolicy policy = RetryPolicy.builder()
			.maxAttempts(5)
			.baseDelay(Duration.ofMillis(100))
			.maxDelay(Duration.ofMillis(100))
			.jitter(0)
			.build();
		CompletableFuture<String> result = this.async.failAfter(Duration.ofMillis(100), () -> this.async.retry(() -> {
			attempts.incrementAndGet();
			return CompletableFuture.failedFuture(new IOException("down"));
		}, policy));
		this.time.advance(Duration.ofMillis(100));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(attempts).as("the wait ended at the deadline: no second attempt").hasValue(1);
	}

	@Test
	void workStartedByABodyThatOverranItsDeadlineNeverStarts() {
		CompletableFuture<Integer> result = this.async.failAfter(Duration.ofMillis(100), () -> {
			this.time.advance(Duration.ofMillis(200));
			return this.async.runSync(() -> 1);
		});
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(this.submitted).hasValue(0);
		assertThat(this.time.pendingCount()).isZero();
	}

	// Item 4: a scope whose deadline has passed is cancelled before its body starts work.

	@Test
	void failAtAPastDeadlineNeverSubmitsTheBodysTask() {
		CompletableFuture<Integer> result = this.async.failAt(this.async.currentTime() - 1,
				() -> this.async.runSync(() -> 1));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(this.submitted).hasValue(0);
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void failAfterZeroNeverSubmitsTheBodysTask() {
		CompletableFuture<Integer> result = this.async.failAfter(Duration.ZERO, () -> this.async.runSync(() -> 1));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(this.submitted).hasValue(0);
	}

	@Test
	void moveOnAfterZeroNeverSubmitsTheBodysTaskAndIsEmpty() {
		CompletableFuture<Optional<Integer>> result = this.async.moveOnAfter(Duration.ZERO,
				() -> this.async.runSync(() -> 1));
		assertThat(result).isCompletedWithValue(Optional.empty());
		assertThat(this.submitted).hasValue(0);
	}

	@Test
	void zeroTimeoutTimesOutABodyThatStartedWorkEvenIfItsStageIsComplete() {
		AtomicReference<CompletableFuture<Integer>> task = new AtomicReference<>();
		CompletableFuture<String> result = this.async.failAfter(Duration.ZERO, () -> {
			task.set(this.async.runSync(() -> 1));
			return CompletableFuture.completedFuture("ready");
		});
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(task.get()).isCancelled();
		assertThat(this.submitted).hasValue(0);
	}

	@Test
	void zeroTimeoutKeepsAStageAlreadyCompleteWhenNoWorkStarted() {
		assertThat(this.async.moveOnAfter(Duration.ZERO, () -> CompletableFuture.completedFuture("ready")))
			.isCompletedWithValue(Optional.of("ready"));
		assertThat(this.time.pendingCount()).isZero();
	}

}
