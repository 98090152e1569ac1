package io.lionherd.concurrency.ratelimit;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link RateLimiter}'s decorators, {@code executeCallable} (the caller waits)
 * and {@code executeCompletionStage} (nobody waits), on {@link ManualTime}: one permit a
 * second, granted waiters woken on the thread that advances the time.
 */
class RateLimiterDecoratorsTests {

	private static final Duration PERIOD = Duration.ofSeconds(1);

	private final ManualTime time = new ManualTime(1_000_000_000L);

	private final RateLimiter limiter = RateLimiterFactory.inMemory(this.time, this.time, ManualTime.DIRECT)
		.create("payments", RateLimiterConfig.of(1, PERIOD), RateLimiterListener.none());

	/** The thread that calls a blocking decorator while the test moves the time. */
	private final ExecutorService caller = Executors.newSingleThreadExecutor();

	private final AtomicInteger calls = new AtomicInteger();

	@AfterEach
	void shutdown() throws InterruptedException {
		MDC.clear();
		this.caller.shutdownNow();
		assertThat(this.caller.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	// --- executeCallable / decorateCallable

	@Test
	void callableGrantedNowRunsOnTheCallersThread() throws Exception {
		Thread thread = this.limiter.executeCallable(Thread::currentThread);
		assertThat(thread).isSameAs(Thread.currentThread());
	}

	@Test
	void callableWaitsForALaterPermitAndThenRunsOnTheCallersThread() throws Exception {
		this.limiter.tryAcquire();
		AtomicReference<Thread> waiting = new AtomicReference<>();
		Future<Thread> call = this.caller.submit(() -> {
			waiting.set(Thread.currentThread());
			return this.limiter.executeCallable(Thread::currentThread);
		});
		await().until(() -> this.limiter.waitingCount() == 1);
		assertThat(call).isNotDone();
		this.time.advance(PERIOD);
		assertThat(call.get(10, TimeUnit.SECONDS)).isSameAs(waiting.get());
	}

	@Test
	void callableWithoutPermitInTimeThrowsRateLimitExceededAndIsNotCalled() {
		this.limiter.tryAcquire();
		RateLimitExceededException exceeded = catchThrowableOfType(RateLimitExceededException.class,
				() -> this.limiter.executeCallable(Duration.ZERO, counted("called")));
		assertThat(exceeded.limiterName()).isEqualTo("payments");
		assertThat(exceeded).hasMessageStartingWith("No permit of rate limiter 'payments' in time")
			.hasCauseInstanceOf(TimeoutException.class);
		assertThat(this.calls).hasValue(0);
	}

	@Test
	void callableWhoseTurnComesAfterItsTimeoutThrowsRateLimitExceededAtOnce() {
		this.limiter.tryAcquire();
		RateLimitExceededException exceeded = catchThrowableOfType(RateLimitExceededException.class,
				() -> this.limiter.executeCallable(Duration.ofMillis(500), counted("x")));
		assertThat(exceeded).hasCauseInstanceOf(TimeoutException.class);
		assertThat(exceeded.retryAfter()).contains(PERIOD);
		assertThat(this.limiter.waitingCount()).isZero();
		assertThat(this.calls).hasValue(0);
	}

	@Test
	void interruptedCallableWaitGivesUpItsPlaceAndKeepsTheInterrupt() throws Exception {
		this.limiter.tryAcquire();
		AtomicReference<Thread> waiting = new AtomicReference<>();
		Future<Object[]> call = this.caller.submit(() -> {
			waiting.set(Thread.currentThread());
			Throwable thrown = catchThrowable(() -> this.limiter.executeCallable(counted("x")));
			return new Object[] { thrown, Thread.currentThread().isInterrupted() };
		});
		await().until(() -> this.limiter.waitingCount() == 1);
		waiting.get().interrupt();
		Object[] outcome = call.get(10, TimeUnit.SECONDS);
		assertThat((Throwable) outcome[0]).isInstanceOf(RateLimitExceededException.class)
			.hasMessage("Interrupted while waiting for a permit of rate limiter 'payments'")
			.hasCauseInstanceOf(InterruptedException.class);
		assertThat(outcome[1]).isEqualTo(true);
		assertThat(this.limiter.waitingCount()).isZero();
		this.time.advance(PERIOD);
		assertThat(this.calls).hasValue(0);
		assertThat(this.limiter.tryAcquire()).as("the given-up place consumed no permit").isTrue();
	}

	@Test
	void callableThrowsItsOwnCheckedExceptionUnchanged() {
		IOException failure = new IOException("reset");
		assertThat(catchThrowable(() -> this.limiter.executeCallable(() -> {
			throw failure;
		}))).isSameAs(failure);
	}

	@Test
	void decoratedCallableTakesOnePermitPerCall() throws Exception {
		Callable<String> decorated = this.limiter.decorateCallable(Duration.ZERO, counted("done"));
		assertThat(decorated.call()).isEqualTo("done");
		assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(decorated::call);
		this.time.advance(PERIOD);
		assertThat(decorated.call()).isEqualTo("done");
		assertThat(this.calls).hasValue(2);
	}

	@Test
	void negativeTimeoutIsRejectedNamingTheArgument() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limiter.decorateCallable(Duration.ofMillis(-1), counted("x")))
			.withMessageContaining("timeout");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limiter.executeCompletionStage(Duration.ofMillis(-1), this::completed))
			.withMessageContaining("timeout");
	}

	// --- executeCompletionStage / decorateCompletionStage

	@Test
	void stageGrantedNowCallsTheSupplierOnTheCallersThreadAndReturnsItsOwnFuture() {
		CompletableFuture<String> own = new CompletableFuture<>();
		AtomicReference<Thread> thread = new AtomicReference<>();
		CompletableFuture<String> result = this.limiter.executeCompletionStage(() -> {
			thread.set(Thread.currentThread());
			return own;
		});
		assertThat(result).isSameAs(own);
		assertThat(thread.get()).isSameAs(Thread.currentThread());
	}

	@Test
	void stageReturnsAtOnceAndCallsTheSupplierInTheCallersContextWhenThePermitComes() {
		this.limiter.tryAcquire();
		MDC.put("requestId", "r-1");
		AtomicReference<String> seen = new AtomicReference<>();
		CompletableFuture<String> result = this.limiter.executeCompletionStage(() -> {
			seen.set(MDC.get("requestId"));
			return this.completed();
		});
		MDC.clear();
		assertThat(result).isNotDone();
		assertThat(this.calls).hasValue(0);
		this.time.advance(PERIOD);
		assertThat(result).isCompletedWithValue("done");
		assertThat(seen).hasValue("r-1");
		assertThat(MDC.get("requestId")).as("the granting thread's own context is back").isNull();
	}

	@Test
	void stageLaterPermitRunsTheSupplierThroughTheGivenCallerContext() {
		this.limiter.tryAcquire();
		ThreadLocal<String> tenant = new ThreadLocal<>();
		tenant.set("acme");
		AtomicReference<String> seen = new AtomicReference<>();
		CompletableFuture<String> result = this.limiter.executeCompletionStage(null, (task) -> {
			String captured = tenant.get();
			return () -> {
				tenant.set(captured);
				try {
					task.run();
				}
				finally {
					tenant.remove();
				}
			};
		}, () -> {
			seen.set(tenant.get());
			return this.completed();
		});
		tenant.remove();
		this.time.advance(PERIOD);
		assertThat(result).isCompletedWithValue("done");
		assertThat(seen).hasValue("acme");
	}

	@Test
	void stageWithoutPermitInTimeFailsWithRateLimitExceededAndNeverCallsTheSupplier() {
		this.limiter.tryAcquire();
		CompletableFuture<String> result = this.limiter.executeCompletionStage(Duration.ofMillis(500), this::completed);
		// Its turn comes in a period, after the timeout: it fails at once.
		assertThat(result).isCompletedExceptionally();
		assertThat(catchThrowable(result::join)).cause()
			.isInstanceOfSatisfying(RateLimitExceededException.class,
					(exceeded) -> assertThat(exceeded.retryAfter()).contains(PERIOD))
			.hasCauseInstanceOf(TimeoutException.class);
		assertThat(this.calls).hasValue(0);
	}

	@Test
	void cancellingAPendingStageGivesUpItsPlaceAndNeverCallsTheSupplier() {
		this.limiter.tryAcquire();
		CompletableFuture<String> result = this.limiter.executeCompletionStage(this::completed);
		assertThat(this.limiter.waitingCount()).isOne();
		result.cancel(true);
		assertThat(this.limiter.waitingCount()).isZero();
		this.time.advance(PERIOD);
		assertThat(this.calls).hasValue(0);
		assertThat(this.limiter.tryAcquire()).as("the given-up place consumed no permit").isTrue();
	}

	@Test
	void cancellingTheStageAfterTheLaterPermitCancelsTheSuppliersStage() {
		this.limiter.tryAcquire();
		CompletableFuture<String> own = new CompletableFuture<>();
		CompletableFuture<String> result = this.limiter.executeCompletionStage(() -> own);
		this.time.advance(PERIOD);
		assertThat(result).isNotDone();
		result.cancel(true);
		assertThat(own).isCancelled();
	}

	@Test
	void laterStageCompletesWithTheSuppliersOwnFailure() {
		this.limiter.tryAcquire();
		CompletableFuture<String> own = new CompletableFuture<>();
		CompletableFuture<String> result = this.limiter.executeCompletionStage(() -> own);
		this.time.advance(PERIOD);
		IllegalStateException failure = new IllegalStateException("declined");
		own.completeExceptionally(failure);
		assertThat(catchThrowable(result::join)).cause().isSameAs(failure);
	}

	@Test
	void supplierThrowingFailsTheFutureWhetherThePermitIsGrantedNowOrLater() {
		IllegalStateException failure = new IllegalStateException("no connection");
		Supplier<CompletableFuture<String>> throwing = () -> {
			throw failure;
		};
		CompletableFuture<String> now = this.limiter.executeCompletionStage(throwing);
		CompletableFuture<String> later = this.limiter.executeCompletionStage(throwing);
		this.time.advance(PERIOD);
		assertThat(catchThrowable(now::join)).cause().isSameAs(failure);
		assertThat(catchThrowable(later::join)).cause().isSameAs(failure);
	}

	@Test
	void supplierReturningNullFailsTheFutureNamingTheLimiter() {
		CompletableFuture<String> result = this.limiter.executeCompletionStage(() -> null);
		assertThat(catchThrowable(result::join)).cause()
			.isInstanceOf(NullPointerException.class)
			.hasMessageContaining("'payments'");
	}

	@Test
	void decoratedStageTakesOnePermitPerCall() {
		Supplier<CompletableFuture<String>> decorated = this.limiter.decorateCompletionStage(Duration.ZERO,
				this::completed);
		assertThat(decorated.get()).isCompletedWithValue("done");
		assertThat(decorated.get()).isCompletedExceptionally();
		assertThat(this.calls).hasValue(1);
	}

	private Callable<String> counted(String value) {
		return () -> {
			this.calls.incrementAndGet();
			return value;
		};
	}

	private CompletableFuture<String> completed() {
		this.calls.incrementAndGet();
		return CompletableFuture.completedFuture("done");
	}

}
