package io.lionherd.concurrency.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tests for {@link PermitWaiter}.
 */
class PermitWaiterTests {

	@Test
	void cancelOfAWaitingAcquireLeavesTheLimiterOnce() {
		TestWaiter waiter = new TestWaiter(null);

		assertThat(waiter.cancel(false)).isTrue();
		assertThat(waiter.cancel(false)).isTrue();

		assertThat(waiter.abandons.get()).isOne();
		assertThat(waiter.isCancelled()).isTrue();
		assertThat(waiter.decideGrant()).isFalse();
	}

	@Test
	void cancelThatLosesToAGrantCompletesTheFutureNormally() {
		TestWaiter waiter = new TestWaiter(null);
		assertThat(waiter.decideGrant()).isTrue();

		assertThat(waiter.cancel(true)).isFalse();

		assertThat(waiter).isCompleted();
		assertThat(waiter.abandons.get()).isZero();
	}

	@Test
	void cancelThatLosesToAFailureCompletesTheFutureWithIt() {
		TestWaiter waiter = new TestWaiter(null);
		IllegalStateException failure = new IllegalStateException("backend down");
		assertThat(waiter.decideFailure(failure)).isTrue();

		assertThat(waiter.cancel(true)).isFalse();

		assertThatThrownBy(waiter::join).hasCauseReference(failure);
		assertThat(waiter.abandons.get()).isZero();
	}

	@Test
	void callerCompletionAbandonsAWaitingAcquire() {
		TestWaiter waiter = new TestWaiter(null);

		assertThat(waiter.complete(null)).isTrue();

		assertThat(waiter.abandons.get()).isOne();
		assertThat(waiter.decideGrant()).isFalse();
	}

	@Test
	void timeoutStartedAfterTheDecisionIsCancelledAtOnce() {
		TestWaiter waiter = new TestWaiter(null);
		waiter.decideGrant();
		CompletableFuture<Void> timer = new CompletableFuture<>();

		waiter.startTimeout(timer);

		assertThat(timer).isCancelled();
	}

	@Test
	void grantCancelsTheTimeoutAndCompletesInTheCallersScope() {
		RecordingScope scope = new RecordingScope();
		TestWaiter waiter = new TestWaiter(scope);
		CompletableFuture<Void> timer = new CompletableFuture<>();
		waiter.startTimeout(timer);
		AtomicReference<@Nullable WorkScope> scopeOfContinuation = new AtomicReference<>();
		waiter.thenRun(() -> scopeOfContinuation.set(WorkScope.current()));

		assertThat(waiter.decideGrant()).isTrue();
		waiter.grant();

		assertThat(timer).isCancelled();
		assertThat(scopeOfContinuation.get()).isSameAs(scope);
	}

	@Test
	void concurrentCancelsAndGrantDecideOnceAndLeaveTheFutureDone() throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(2);
		try {
			raceCancelsAgainstAGrant(threads);
		}
		finally {
			threads.shutdownNow();
		}
	}

	private void raceCancelsAgainstAGrant(ExecutorService threads) throws Exception {
		for (int round = 0; round < 2_000; round++) {
			TestWaiter waiter = new TestWaiter(null);
			CyclicBarrier start = new CyclicBarrier(3);
			AtomicInteger granted = new AtomicInteger();
			List<Boolean> cancelResults = new ArrayList<>();
			CompletableFuture<Void> granter = CompletableFuture.runAsync(() -> {
				await(start);
				if (waiter.decideGrant()) {
					granted.incrementAndGet();
					waiter.grant();
				}
			}, threads);
			CompletableFuture<Boolean> canceller = CompletableFuture.supplyAsync(() -> {
				await(start);
				return waiter.cancel(false);
			}, threads);
			await(start);
			boolean cancelledHere = waiter.cancel(false);
			granter.get(10, TimeUnit.SECONDS);
			cancelResults.add(cancelledHere);
			cancelResults.add(canceller.get(10, TimeUnit.SECONDS));

			assertThat(waiter).isDone();
			assertThat(granted.get() + waiter.abandons.get()).as("decided once").isOne();
			if (granted.get() == 1) {
				assertThat(cancelResults).containsOnly(false);
				assertThat(waiter).isCompleted();
			}
			else {
				assertThat(cancelResults).containsOnly(true);
				assertThatExceptionOfType(CancellationException.class).isThrownBy(waiter::join);
			}
		}
	}

	private static void await(CyclicBarrier barrier) {
		try {
			barrier.await(10, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	static final class TestWaiter extends PermitWaiter {

		final AtomicInteger abandons = new AtomicInteger();

		TestWaiter(@Nullable WorkScope scope) {
			super(scope);
		}

		@Override
		protected void abandoned() {
			this.abandons.incrementAndGet();
		}

	}

	static final class RecordingScope extends WorkScope {

		@Override
		public void register(CompletionStage<?> work) {
		}

	}

}
