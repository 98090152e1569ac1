package io.lionherd.concurrency.capacity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.CapacityLimiter.Permit;
import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for the in-memory named limit ({@link ConcurrencyLimitFactory#inMemory}): a
 * {@code CapacityLimiter} that times out with {@link ConcurrencyLimitExceededException}
 * and tells its listener of every grant and rejection exactly once. On
 * {@link ManualTime}, timeouts failing inline.
 */
class LocalConcurrencyLimitTests {

	private final ManualTime time = new ManualTime(5_000_000_000L);

	private final List<String> events = new ArrayList<>();

	private final ConcurrencyLimitListener listener = new ConcurrencyLimitListener() {

		@Override
		public void acquired(ConcurrencyLimit limit, long waitNanos) {
			LocalConcurrencyLimitTests.this.events
				.add("acquired " + limit.name() + " after " + Duration.ofNanos(waitNanos));
		}

		@Override
		public void rejected(ConcurrencyLimit limit) {
			LocalConcurrencyLimitTests.this.events.add("rejected " + limit.name());
		}

	};

	private ConcurrencyLimit limit(ConcurrencyLimitConfig config) {
		return ConcurrencyLimitFactory.inMemory(this.time, this.time, ManualTime.DIRECT)
			.create("provider", config, this.listener);
	}

	private final ConcurrencyLimit limit = limit(ConcurrencyLimitConfig.of(2));

	@Test
	void anImmediateGrantIsReportedWithNoWait() {
		this.limit.acquire().join();
		assertThat(this.events).containsExactly("acquired provider after PT0S");
	}

	@Test
	void aQueuedGrantIsReportedOnceWithItsWaitOnTheClock() {
		Permit first = this.limit.acquire().join();
		this.limit.acquire().join();
		CompletableFuture<Permit> waiter = this.limit.acquire();
		this.time.advance(Duration.ofMillis(250));
		first.close();
		assertThat(waiter).isCompleted();
		assertThat(this.events).containsExactly("acquired provider after PT0S", "acquired provider after PT0S",
				"acquired provider after PT0.25S");
	}

	@Test
	void theWaitIsMeasuredFromTheCallIncludingTheTimeTheAcquireTookToQueue() {
		// A timer that takes 5 ms to accept a timeout: time the acquire spent in the
		// call.
		DelayScheduler slowTimer = new DelayScheduler() {
			@Override
			public Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
				LocalConcurrencyLimitTests.this.time.advance(Duration.ofMillis(5));
				return LocalConcurrencyLimitTests.this.time.schedule(executor, command, delay, unit);
			}
		};
		ConcurrencyLimit slow = ConcurrencyLimitFactory.inMemory(this.time, slowTimer, ManualTime.DIRECT)
			.create("slow", ConcurrencyLimitConfig.of(1), this.listener);
		Permit held = slow.acquire().join();
		CompletableFuture<Permit> waiter = slow.acquire(Duration.ofSeconds(1));
		this.time.advance(Duration.ofMillis(10));
		held.close();
		assertThat(waiter).isCompleted();
		assertThat(this.events).containsExactly("acquired slow after PT0S", "acquired slow after PT0.015S");
	}

	@Test
	void theConfiguredTimeoutFailsWithConcurrencyLimitExceededAndIsReportedOnce() {
		ConcurrencyLimit timed = limit(ConcurrencyLimitConfig.of(1).withTimeout(Duration.ofSeconds(2)));
		timed.acquire().join();
		CompletableFuture<Permit> waiter = timed.acquire();
		this.time.advance(Duration.ofMillis(1999));
		assertThat(waiter).isNotDone();
		this.time.advance(Duration.ofMillis(1));
		assertThatExceptionOfType(Exception.class).isThrownBy(() -> waiter.get(5, TimeUnit.SECONDS))
			.havingCause()
			.isInstanceOf(ConcurrencyLimitExceededException.class)
			.withMessage("No permit of concurrency limit 'provider' within PT2S (1 in use)");
		assertThat(timed.waitingCount()).isZero();
		assertThat(this.events).containsExactly("acquired provider after PT0S", "rejected provider");
	}

	@Test
	void aTimeoutGivenToAcquireOverridesTheConfiguredOne() {
		ConcurrencyLimit timed = limit(ConcurrencyLimitConfig.of(1).withTimeout(Duration.ofSeconds(2)));
		timed.acquire().join();
		CompletableFuture<Permit> waiter = timed.acquire(Duration.ofMillis(100));
		this.time.advance(Duration.ofMillis(100));
		assertThat(waiter).isCompletedExceptionally();
	}

	@Test
	void withoutATimeoutAnAcquireWaitsAsLongAsItTakes() {
		Permit first = this.limit.acquire().join();
		this.limit.acquire().join();
		CompletableFuture<Permit> waiter = this.limit.acquire();
		this.time.advance(Duration.ofDays(365));
		assertThat(waiter).isNotDone();
		assertThat(this.time.pendingCount()).isZero();
		first.close();
		assertThat(waiter).isCompleted();
	}

	@Test
	void aZeroTimeoutGrantsNowOrIsRejectedNow() {
		this.limit.acquire(Duration.ZERO).join();
		this.limit.acquire(Duration.ZERO).join();
		CompletableFuture<Permit> refused = this.limit.acquire(Duration.ZERO);
		assertThat(refused).isCompletedExceptionally();
		assertThatExceptionOfType(Exception.class).isThrownBy(() -> refused.get(5, TimeUnit.SECONDS))
			.havingCause()
			.isInstanceOf(ConcurrencyLimitExceededException.class)
			.withMessage("No permit of concurrency limit 'provider' within PT0S (2 in use)");
		assertThat(this.limit.inUse()).isEqualTo(2);
		assertThat(this.events).containsExactly("acquired provider after PT0S", "acquired provider after PT0S",
				"rejected provider");
	}

	@Test
	void waitersAreGrantedInArrivalOrder() {
		Permit first = this.limit.acquire().join();
		Permit second = this.limit.acquire().join();
		List<Integer> order = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			int index = i;
			this.limit.acquire().thenAccept((permit) -> order.add(index));
		}
		first.close();
		second.close();
		assertThat(order).containsExactly(0, 1);
		assertThat(this.limit.waitingCount()).isOne();
	}

	@Test
	void cancellingAWaitGivesUpItsPlaceAndIsNotReported() {
		Permit first = this.limit.acquire().join();
		this.limit.acquire().join();
		CompletableFuture<Permit> cancelled = this.limit.acquire(Duration.ofSeconds(5));
		CompletableFuture<Permit> next = this.limit.acquire();
		assertThat(cancelled.cancel(true)).isTrue();
		assertThat(this.limit.waitingCount()).isOne();
		assertThat(this.time.pendingCount()).isZero();
		first.close();
		assertThat(next).isCompleted();
		assertThat(this.limit.inUse()).isEqualTo(2);
		assertThat(this.events).hasSize(3).doesNotContain("rejected provider");
	}

	@Test
	void completingAWaitByItsCallerGivesUpItsPlace() {
		Permit first = this.limit.acquire().join();
		this.limit.acquire().join();
		CompletableFuture<Permit> abandoned = this.limit.acquire();
		abandoned.completeExceptionally(new IllegalStateException("gave up"));
		assertThat(this.limit.waitingCount()).isZero();
		first.close();
		assertThat(this.limit.inUse()).isOne();
		assertThat(this.events).hasSize(2);
	}

	@Test
	void inUseAvailableAndWaitingCountFollowTheLimiter() {
		Permit first = this.limit.acquire().join();
		assertThat(this.limit.inUse()).isOne();
		assertThat(this.limit.available()).isOne();
		this.limit.acquire().join();
		this.limit.acquire();
		assertThat(this.limit.available()).isZero();
		assertThat(this.limit.waitingCount()).isOne();
		assertThat(this.limit)
			.hasToString("ConcurrencyLimit[name=provider, backend=local, total=2, inUse=2, waiting=1]");
		first.close();
		assertThat(this.limit.waitingCount()).isZero();
		assertThat(this.limit.inUse()).isEqualTo(2);
	}

	@Test
	void itsNameConfigAndBackendAreAsCreated() {
		assertThat(this.limit.name()).isEqualTo("provider");
		assertThat(this.limit.config()).isEqualTo(ConcurrencyLimitConfig.of(2));
		assertThat(this.limit.backend()).isEqualTo("local");
	}

	@Test
	void aNegativeTimeoutIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.limit.acquire(Duration.ofSeconds(-1)))
			.withMessage("timeout must be zero or positive, but was PT-1S");
	}

	@Test
	void aListenerThatThrowsFailsNoCallerAndStrandsNoWaiter() {
		ConcurrencyLimit broken = ConcurrencyLimitFactory.inMemory(this.time, this.time, ManualTime.DIRECT)
			.create("broken", ConcurrencyLimitConfig.of(1), new ConcurrencyLimitListener() {
				@Override
				public void acquired(ConcurrencyLimit limit, long waitNanos) {
					throw new IllegalStateException("listener failed");
				}
			});
		Permit held = broken.acquire().join();
		CompletableFuture<Permit> waiter = broken.acquire();
		held.close();
		assertThat(waiter).isCompleted();
		assertThat(broken.inUse()).isOne();
	}

}
