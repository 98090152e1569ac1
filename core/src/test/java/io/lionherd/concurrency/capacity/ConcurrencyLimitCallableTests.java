package io.lionherd.concurrency.capacity;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.lionherd.concurrency.CapacityLimiter.Permit;
import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConcurrencyLimit#executeCallable}: the caller waits for its permit,
 * holds it for the call and releases it exactly once however the call ends. One permit,
 * on {@link ManualTime} with timeouts failing inline; every permit closed is counted by
 * {@link CountingLimit}.
 */
class ConcurrencyLimitCallableTests {

	private final ManualTime time = new ManualTime();

	private final CountingLimit limit = new CountingLimit(
			ConcurrencyLimitFactory.inMemory(this.time, this.time, ManualTime.DIRECT)
				.create("provider", ConcurrencyLimitConfig.of(1), ConcurrencyLimitListener.none()));

	/** The thread that waits in a blocking call while the test frees a permit. */
	private final ExecutorService caller = Executors.newSingleThreadExecutor();

	@AfterEach
	void shutdown() throws InterruptedException {
		this.caller.shutdownNow();
		assertThat(this.caller.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	private void assertEveryPermitClosedOnce() {
		assertThat(this.limit.inUse()).isZero();
		assertThat(this.limit.waitingCount()).isZero();
		assertThat(this.limit.closesPerPermit()).isNotEmpty().containsOnly(1);
	}

	private void awaitOneWaiting() {
		await().atMost(Duration.ofSeconds(10)).until(() -> this.limit.waitingCount() == 1);
	}

	@Test
	void theCallRunsOnTheCallersThreadHoldingAPermit() throws Exception {
		AtomicInteger inUse = new AtomicInteger(-1);
		Thread thread = this.limit.executeCallable(() -> {
			inUse.set(this.limit.inUse());
			return Thread.currentThread();
		});
		assertThat(thread).isSameAs(Thread.currentThread());
		assertThat(inUse).hasValue(1);
		assertEveryPermitClosedOnce();
	}

	@Test
	void aCallThatThrowsReleasesAndItsExceptionIsRethrownUnchanged() {
		IOException boom = new IOException("boom");
		assertThat(catchThrowable(() -> this.limit.executeCallable(() -> {
			throw boom;
		}))).isSameAs(boom);
		assertEveryPermitClosedOnce();
	}

	@Test
	void aCallerWaitsForAPermitAndRunsWhenItIsFreed() throws Exception {
		Permit held = this.limit.acquire().join();
		AtomicReference<Thread> ran = new AtomicReference<>();
		Future<String> call = this.caller.submit(() -> this.limit.executeCallable(() -> {
			ran.set(Thread.currentThread());
			return "ok";
		}));
		awaitOneWaiting();
		assertThat(ran).hasValue(null);
		held.close();
		assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
		assertThat(ran.get()).isNotSameAs(Thread.currentThread());
		assertEveryPermitClosedOnce();
	}

	@Test
	void aZeroTimeoutWithNoPermitFreeThrowsConcurrencyLimitExceededAtOnce() {
		Permit held = this.limit.acquire().join();
		AtomicBoolean called = new AtomicBoolean();
		assertThatExceptionOfType(ConcurrencyLimitExceededException.class)
			.isThrownBy(() -> this.limit.executeCallable(Duration.ZERO, () -> called.getAndSet(true)))
			.withMessage("No permit of concurrency limit 'provider' within PT0S (1 in use)")
			.satisfies((ex) -> assertThat(ex.name()).isEqualTo("provider"));
		assertThat(called).isFalse();
		held.close();
		assertEveryPermitClosedOnce();
	}

	@Test
	void aTimeoutOnTheManualClockThrowsConcurrencyLimitExceeded() {
		Permit held = this.limit.acquire().join();
		AtomicBoolean called = new AtomicBoolean();
		Future<Boolean> call = this.caller
			.submit(() -> this.limit.executeCallable(Duration.ofSeconds(2), () -> called.getAndSet(true)));
		awaitOneWaiting();
		this.time.advance(Duration.ofMillis(1999));
		assertThat(call).isNotDone();
		this.time.advance(Duration.ofMillis(1));
		assertThat(catchThrowable(() -> call.get(10, TimeUnit.SECONDS)))
			.hasCauseInstanceOf(ConcurrencyLimitExceededException.class);
		assertThat(called).isFalse();
		held.close();
		assertEveryPermitClosedOnce();
	}

	@Test
	void anInterruptWhileWaitingSetsTheFlagAndThrowsConcurrencyLimitExceeded() throws Exception {
		Permit held = this.limit.acquire().join();
		AtomicBoolean called = new AtomicBoolean();
		AtomicBoolean interruptedAfter = new AtomicBoolean();
		AtomicReference<Thread> waiter = new AtomicReference<>();
		Future<Throwable> call = this.caller.submit(() -> {
			waiter.set(Thread.currentThread());
			Throwable thrown = catchThrowable(() -> this.limit.executeCallable(() -> called.getAndSet(true)));
			interruptedAfter.set(Thread.interrupted());
			return thrown;
		});
		awaitOneWaiting();
		waiter.get().interrupt();
		assertThat(call.get(10, TimeUnit.SECONDS)).isInstanceOf(ConcurrencyLimitExceededException.class)
			.hasMessage("Interrupted while waiting for a permit of concurrency limit 'provider'")
			.hasCauseInstanceOf(InterruptedException.class);
		assertThat(interruptedAfter).isTrue();
		assertThat(called).isFalse();
		assertThat(this.limit.waitingCount()).isZero();
		held.close();
		assertThat(this.limit.inUse()).isZero();
		assertThat(this.limit.closesPerPermit()).containsExactly(1);
	}

	@Test
	void aNegativeTimeoutIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limit.executeCallable(Duration.ofMillis(-1), () -> "never"))
			.withMessage("timeout must be zero or positive, but was PT-0.001S");
	}

	@Test
	void aNullCallableIsRejected() {
		assertThatExceptionOfType(NullPointerException.class).isThrownBy(() -> this.limit.executeCallable(null))
			.withMessage("callable must not be null");
		assertThat(this.limit.inUse()).isZero();
	}

	@Test
	void theConfiguredTimeoutAppliesWhenNoneIsGiven() {
		ConcurrencyLimit timed = ConcurrencyLimitFactory.inMemory(this.time, this.time, ManualTime.DIRECT)
			.create("timed", ConcurrencyLimitConfig.of(1).withTimeout(Duration.ZERO), ConcurrencyLimitListener.none());
		Permit held = timed.acquire().join();
		assertThatExceptionOfType(ConcurrencyLimitExceededException.class)
			.isThrownBy(() -> timed.executeCallable(() -> "never"))
			.withMessageContaining("within PT0S");
		held.close();
		CompletableFuture<Permit> free = timed.acquire();
		assertThat(free).isCompleted();
	}

}
