package io.lionherd.concurrency;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link AsyncUtils#retry}, with time driven by hand; lionherd's
 * {@code test_patterns.py} retry tests are named where ported.
 */
class AsyncUtilsRetryTests {

	private final ManualTime time = new ManualTime();

	private final ExecutorService executor = Executors.newFixedThreadPool(2);

	private final List<String> recorded = new CopyOnWriteArrayList<>();

	private final AsyncUtils async = this.time.configure(AsyncUtils.builder())
		.executor(this.executor)
		.retryRecorder((name, kind) -> this.recorded.add(name + ":" + kind.tagValue()))
		.build();

	private final AtomicInteger calls = new AtomicInteger();

	@AfterEach
	void shutdown() throws InterruptedException {
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	private static RetryPolicy.Builder policy(int attempts, long baseMillis, long maxMillis) {
		return RetryPolicy.builder()
			.maxAttempts(attempts)
			.baseDelay(Duration.ofMillis(baseMillis))
			.maxDelay(Duration.ofMillis(maxMillis))
			.jitter(0);
	}

	private AsyncCallable<String> always(Exception failure) {
		return () -> {
			this.calls.incrementAndGet();
			return CompletableFuture.failedFuture(failure);
		};
	}

	@Test
	void failsWithTheLastFailureAfterMaxAttempts() {
		// test_retry_respects_attempts_count
		CompletableFuture<String> result = this.async.retry(() -> {
			int call = this.calls.incrementAndGet();
			return CompletableFuture.failedFuture(new TimeoutException("x" + call));
		}, policy(3, 1, 2).retryOn(TimeoutException.class::isInstance).build());
		this.time.advance(Duration.ofMillis(1));
		this.time.advance(Duration.ofMillis(2));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class)
			.withMessage("x3");
		assertThat(this.calls).hasValue(3);
	}

	@Test
	void retriesWithAndWithoutJitter() {
		// test_retry_with_and_without_jitter
		CompletableFuture<String> plain = this.async.retry(always(new TimeoutException("nope")),
				policy(2, 1, 2).build());
		CompletableFuture<String> jittered = this.async.retry(always(new TimeoutException("nope")),
				policy(2, 1, 2).jitter(0.001).build());
		this.time.advance(Duration.ofMillis(2));
		assertThat(plain).isCompletedExceptionally();
		assertThat(jittered).isCompletedExceptionally();
		assertThat(this.calls).hasValue(4);
	}

	@Test
	void aLaterSuccessIsTheResult() {
		// test_retry_eventual_success
		CompletableFuture<String> result = this.async.retry(() -> (this.calls.incrementAndGet() < 3)
				? CompletableFuture.failedFuture(new IOException("Attempt " + this.calls.get() + " failed"))
				: CompletableFuture.completedFuture("success"), policy(5, 1, 2000).build());
		this.time.advance(Duration.ofMillis(1));
		assertThat(this.calls).hasValue(2);
		this.time.advance(Duration.ofMillis(2));
		assertThat(result).isCompletedWithValue("success");
		assertThat(this.calls).hasValue(3);
	}

	@Test
	void aFailureThePolicyDoesNotRetryFailsAtOnce() {
		// test_retry_exception_filtering
		IllegalArgumentException notRetried = new IllegalArgumentException("Not in retry_on list");
		CompletableFuture<String> result = this.async.retry(always(notRetried),
				policy(5, 1, 2).retryOn((ex) -> ex instanceof TimeoutException || ex instanceof IOException).build());
		assertThat(result).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isSameAs(notRetried);
		assertThat(this.calls).hasValue(1);
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void aNotRetriedFailureAfterRetriedOnesFailsAtOnce() {
		// test_retry_mixed_exceptions
		CompletableFuture<String> result = this.async.retry(() -> {
			int call = this.calls.incrementAndGet();
			return CompletableFuture.failedFuture((call <= 2) ? new TimeoutException("Timeout " + call)
					: new IllegalStateException("Critical error"));
		}, policy(10, 1, 2000).retryOn(TimeoutException.class::isInstance).build());
		this.time.advance(Duration.ofMillis(1));
		this.time.advance(Duration.ofMillis(2));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(IllegalStateException.class)
			.withMessage("Critical error");
		assertThat(this.calls).hasValue(3);
	}

	@Test
	void waitsFollowTheBackoffOnTheTimerHoldingNoThread() {
		CompletableFuture<String> result = this.async.retry(always(new IOException("down")),
				policy(4, 100, 2000).build());
		assertThat(this.calls).hasValue(1);
		assertThat(this.time.pendingCount()).as("the wait is a timer entry").isOne();
		this.time.advance(Duration.ofMillis(99));
		assertThat(this.calls).hasValue(1);
		this.time.advance(Duration.ofMillis(1));
		assertThat(this.calls).hasValue(2);
		this.time.advance(Duration.ofMillis(199));
		assertThat(this.calls).hasValue(2);
		this.time.advance(Duration.ofMillis(1));
		assertThat(this.calls).hasValue(3);
		this.time.advance(Duration.ofMillis(400));
		assertThat(this.calls).hasValue(4);
		assertThat(result).isCompletedExceptionally();
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void neverWaitsPastTheDeadlineOfTheEnclosingScope() {
		// test_retry_deadline_capped_by_parent
		IOException failure = new IOException("x");
		CompletableFuture<String> result = this.async.failAfter(Duration.ofMillis(50),
				() -> this.async.retry(always(failure), policy(50, 10, 100).build()));
		this.time.advance(Duration.ofMillis(10));
		assertThat(this.calls).hasValue(2);
		this.time.advance(Duration.ofMillis(20));
		assertThat(this.calls).hasValue(3);
		// The next wait (40 ms) would end at 70 ms, after the deadline: fail now.
		assertThat(result).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isSameAs(failure);
		assertThat(this.time.elapsed()).isEqualTo(Duration.ofMillis(30));
		assertThat(this.time.pendingCount()).as("neither a wait nor the deadline").isZero();
	}

	@Test
	void failsAtOnceWhenTheFirstAttemptUsedUpTheTime() {
		// test_retry_deadline_expired_immediately
		IOException failure = new IOException("Failed");
		CompletableFuture<String> result = this.async.failAfter(Duration.ofMillis(45), () -> this.async.retry(() -> {
			this.calls.incrementAndGet();
			return this.async.sleep(Duration.ofMillis(40))
				.thenCompose((ignored) -> CompletableFuture.failedFuture(failure));
		}, policy(100, 1000, 2000).build()));
		this.time.advance(Duration.ofMillis(40));
		assertThat(result).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isSameAs(failure);
		assertThat(this.calls).hasValue(1);
	}

	@Test
	void effectiveDeadlineIsKnownInEveryAttempt() {
		double deadline = this.async.currentTime() + 1;
		List<Boolean> inScope = new CopyOnWriteArrayList<>();
		this.async.failAt(deadline, () -> this.async.retry(() -> {
			inScope.add(this.async.effectiveDeadline().isPresent());
			return CompletableFuture.failedFuture(new IOException());
		}, policy(3, 10, 20).build()));
		this.time.advance(Duration.ofMillis(30));
		assertThat(inScope).containsExactly(true, true, true);
	}

	@Test
	void cancellingDuringAWaitRemovesItAndStartsNoAttempt() {
		CompletableFuture<String> result = this.async.retry(always(new IOException()), policy(5, 100, 1000).build());
		assertThat(this.time.pendingCount()).isOne();
		assertThat(result.cancel(true)).isTrue();
		assertThat(this.time.pendingCount()).isZero();
		this.time.advance(Duration.ofSeconds(10));
		assertThat(this.calls).hasValue(1);
	}

	@Test
	void cancellingDuringAnAttemptInterruptsItAndStartsNoOther() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		CompletableFuture<String> result = this.async.retry(() -> {
			this.calls.incrementAndGet();
			return this.async.runSync(() -> {
				started.countDown();
				try {
					Thread.sleep(60_000);
				}
				catch (InterruptedException ex) {
					interrupted.countDown();
					throw ex;
				}
				return "late";
			});
		}, policy(5, 1, 1).build());
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(result.cancel(true)).isTrue();
		assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(this.calls).hasValue(1);
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void theDeadlineOfTheScopeStopsARetryInFlight() {
		CompletableFuture<String> result = this.async.failAfter(Duration.ofMillis(150), () -> this.async.retry(() -> {
			this.calls.incrementAndGet();
			return this.async.sleep(Duration.ofMillis(200)).thenApply((ignored) -> "slow");
		}, policy(5, 1, 1).build()));
		this.time.advance(Duration.ofMillis(150));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(this.time.pendingCount()).isZero();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(this.calls).hasValue(1);
	}

	@Test
	void attemptsCompletingAtOnceDoNotRecurse() {
		CompletableFuture<String> result = this.async.retry(always(new IOException()),
				RetryPolicy.builder().maxAttempts(100_000).baseDelay(Duration.ZERO).maxDelay(Duration.ZERO).build());
		assertThat(result).isCompletedExceptionally();
		assertThat(this.calls).hasValue(100_000);
	}

	@Test
	void aBodyThrowingCountsAsAFailedAttempt() {
		AtomicInteger attempts = new AtomicInteger();
		CompletableFuture<String> result = this.async.retry(() -> {
			if (attempts.incrementAndGet() == 1) {
				throw new IOException("thrown");
			}
			return CompletableFuture.completedFuture("second");
		}, policy(2, 1, 1).build());
		this.time.advance(Duration.ofMillis(1));
		assertThat(result).isCompletedWithValue("second");
	}

	@Test
	void namedRetriesAreRecordedByKind() {
		assertThat(this.async.retry("a", () -> CompletableFuture.completedFuture("ok"), policy(2, 1, 1).build()))
			.isCompletedWithValue("ok");
		this.async.retry("b", always(new IOException()), policy(2, 1, 1).build());
		this.time.advance(Duration.ofMillis(1));
		this.async.retry("c", always(new IllegalStateException()),
				policy(2, 1, 1).retryOn(IOException.class::isInstance).build());
		AtomicInteger flaky = new AtomicInteger();
		this.async.retry("d", () -> (flaky.incrementAndGet() == 1) ? CompletableFuture.failedFuture(new IOException())
				: CompletableFuture.completedFuture("ok"), policy(2, 1, 1).build());
		this.time.advance(Duration.ofMillis(1));
		this.async.retry(always(new IOException()), policy(1, 1, 1).build());
		assertThat(this.recorded).containsExactly("a:successful_without_retry", "b:failed_with_retry",
				"c:failed_without_retry", "d:successful_with_retry");
	}

	@Test
	void namedRetryIsRecordedBeforeItsFutureCompletes() {
		CompletableFuture<String> attempt = new CompletableFuture<>();
		CompletableFuture<String> failedLater = this.async.retry("late", () -> attempt,
				policy(1, 1, 1).retryOn(IOException.class::isInstance).build());
		List<String> recordedWhenDone = new CopyOnWriteArrayList<>();
		failedLater.whenComplete((value, error) -> recordedWhenDone.addAll(this.recorded));

		attempt.completeExceptionally(new IllegalStateException("not retried"));

		assertThat(failedLater).isCompletedExceptionally();
		assertThat(recordedWhenDone).containsExactly("late:failed_without_retry");
	}

	@Test
	void cancelledRetryIsNotRecorded() {
		CompletableFuture<String> attempt = new CompletableFuture<>();
		CompletableFuture<String> result = this.async.retry("cancelled", () -> attempt, policy(2, 1, 1).build());

		assertThat(result.cancel(true)).isTrue();
		attempt.complete("too late");

		assertThat(attempt).isCancelled();
		assertThat(result).isCancelled();
		assertThat(this.recorded).isEmpty();
	}

	@Test
	void cancelThatLosesToTheOutcomeLeavesTheRetryDoneWithIt() throws Exception {
		for (int round = 0; round < 2_000; round++) {
			CompletableFuture<String> attempt = new CompletableFuture<>();
			CompletableFuture<String> result = this.async.retry("race", () -> attempt, policy(1, 1, 1).build());
			CountDownLatch start = new CountDownLatch(1);
			CompletableFuture<Boolean> cancelled = CompletableFuture.supplyAsync(() -> {
				awaitQuietly(start);
				return result.cancel(true);
			}, this.executor);
			start.countDown();
			attempt.complete("ok");

			boolean cancelWon = cancelled.get(10, TimeUnit.SECONDS);
			assertThat(result).isDone();
			if (cancelWon) {
				assertThat(result).isCancelled();
			}
			else {
				assertThat(result).isCompletedWithValue("ok");
			}
		}
		assertThat(this.recorded).allMatch("race:successful_without_retry"::equals);
	}

	@Test
	void laterAttemptsRunInTheCallersContext() {
		ObservationRegistry observations = ObservationRegistry.create();
		observations.observationConfig().observationHandler((context) -> true);
		Observation callers = Observation.start("caller", observations);
		ClassLoader callersLoader = new URLClassLoader(new URL[0], getClass().getClassLoader());
		ClassLoader testLoader = Thread.currentThread().getContextClassLoader();
		List<String> seen = new CopyOnWriteArrayList<>();
		CompletableFuture<String> result;
		MDC.put("requestId", "r-1");
		Thread.currentThread().setContextClassLoader(callersLoader);
		try (Observation.Scope scope = callers.openScope()) {
			result = this.async.retry(() -> {
				seen.add(MDC.get("requestId") + " " + (Thread.currentThread().getContextClassLoader() == callersLoader)
						+ " " + (observations.getCurrentObservation() == callers));
				return (this.calls.incrementAndGet() < 2) ? CompletableFuture.failedFuture(new IOException())
						: CompletableFuture.completedFuture("ok");
			}, policy(2, 1, 1).build());
		}
		finally {
			MDC.clear();
			Thread.currentThread().setContextClassLoader(testLoader);
		}
		// the wait ends on this thread, whose own context is not the caller's any more
		this.time.advance(Duration.ofMillis(1));
		callers.stop();
		assertThat(result).isCompletedWithValue("ok");
		assertThat(seen).containsExactly("r-1 true true", "r-1 true true");
		assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
		assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(testLoader);
		assertThat(observations.getCurrentObservation()).isNull();
	}

	@Test
	void anExplicitRetryOnNeverRetriesACancelledAttempt() {
		CompletableFuture<String> result = this.async.retry(() -> {
			this.calls.incrementAndGet();
			return CompletableFuture.failedFuture(new CancellationException("stopped"));
		}, policy(3, 1, 1).retryOn(Exception.class::isInstance).build());
		this.time.advance(Duration.ofMillis(10));
		assertThat(result).isCompletedExceptionally();
		assertThat(this.calls).hasValue(1);
	}

	@Test
	void anExplicitRetryOnNeverRetriesAnInterruption() {
		CompletableFuture<String> result = this.async.retry(() -> {
			this.calls.incrementAndGet();
			throw new InterruptedException("stopped");
		}, policy(3, 1, 1).retryOn(Exception.class::isInstance).build());
		this.time.advance(Duration.ofMillis(10));
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(InterruptedException.class);
		assertThat(this.calls).hasValue(1);
	}

	@Test
	void retryOnTypesAlsoMatchTheCauses() {
		CompletableFuture<String> result = this.async.retry(() -> (this.calls.incrementAndGet() < 2)
				? CompletableFuture.failedFuture(new UncheckedIOException(new IOException("reset")))
				: CompletableFuture.completedFuture("ok"), policy(2, 1, 1).retryOn(IOException.class).build());
		this.time.advance(Duration.ofMillis(1));
		assertThat(result).isCompletedWithValue("ok");
		assertThat(this.calls).hasValue(2);
	}

	@Test
	void anExcludedFailureFailsAtOnce() {
		FileNotFoundException missing = new FileNotFoundException("gone");
		CompletableFuture<String> result = this.async.retry(always(missing),
				policy(3, 1, 1).retryOn(IOException.class).exclude(FileNotFoundException.class).build());
		assertThat(result).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isSameAs(missing);
		assertThat(this.calls).hasValue(1);
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Test
	void argumentErrorsAreThrownAtTheCall() {
		RetryPolicy policy = RetryPolicy.defaults();
		assertThatNullPointerException().isThrownBy(() -> this.async.retry(null, policy)).withMessageContaining("body");
		assertThatNullPointerException()
			.isThrownBy(() -> this.async.retry(() -> CompletableFuture.completedFuture(1), null))
			.withMessageContaining("policy");
		assertThatNullPointerException()
			.isThrownBy(() -> this.async.retry(null, () -> CompletableFuture.completedFuture(1), policy))
			.withMessageContaining("name");
	}

}
