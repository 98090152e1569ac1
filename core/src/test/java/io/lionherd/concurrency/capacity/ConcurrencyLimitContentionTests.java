package io.lionherd.concurrency.capacity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A named in-memory limit under real contention: 16 threads calling through its
 * decorators, blocking and asynchronous mixed, with random timeouts and random cancels
 * (of calls still waiting and of calls running) never have more than {@code total} calls
 * in flight, checked at every entry, and leave the limit as they found it.
 */
class ConcurrencyLimitContentionTests {

	private static final int TOTAL = 3;

	private static final int THREADS = 16;

	private final ConcurrencyLimit limit = ConcurrencyLimitFactory.inMemory()
		.create("contended", ConcurrencyLimitConfig.of(TOTAL), ConcurrencyLimitListener.none());

	private final AtomicInteger inFlight = new AtomicInteger();

	private final AtomicInteger worst = new AtomicInteger();

	private final AtomicInteger entered = new AtomicInteger();

	private final List<Throwable> errors = new ArrayList<>();

	@Test
	void neverMoreThanTotalInFlightUnderRandomCallsTimeoutsAndCancels() throws Exception {
		CountDownLatch start = new CountDownLatch(1);
		long[] end = new long[1];
		List<Thread> threads = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			Thread thread = new Thread(() -> {
				try {
					start.await();
					while (System.nanoTime() < end[0]) {
						if (ThreadLocalRandom.current().nextBoolean()) {
							blockingCall();
						}
						else {
							stageCall();
						}
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}, "contender-" + t);
			thread.setUncaughtExceptionHandler((th, ex) -> failed(ex));
			threads.add(thread);
			thread.start();
		}
		end[0] = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
		start.countDown();
		for (Thread thread : threads) {
			thread.join();
		}
		assertThat(this.errors).isEmpty();
		assertThat(this.worst.get()).isBetween(1, TOTAL);
		assertThat(this.entered.get()).isPositive();
		// Timeouts already fired may still be failing their futures on the wake-up
		// threads.
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			assertThat(this.limit.inUse()).isZero();
			assertThat(this.limit.waitingCount()).isZero();
			assertThat(this.inFlight.get()).isZero();
		});
	}

	private void blockingCall() {
		try {
			this.limit.executeCallable(randomTimeout(), () -> {
				enter();
				try {
					if (ThreadLocalRandom.current().nextBoolean()) {
						Thread.yield();
					}
				}
				finally {
					this.inFlight.decrementAndGet();
				}
				return null;
			});
		}
		catch (ConcurrencyLimitExceededException ex) {
			// a timeout: expected
		}
		catch (Exception ex) {
			failed(ex);
		}
	}

	private void stageCall() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		boolean completeAtOnce = random.nextBoolean();
		CompletableFuture<Object> result = this.limit.executeCompletionStage(randomTimeout(), UnaryOperator.identity(),
				() -> {
					enter();
					Work work = new Work();
					if (completeAtOnce) {
						work.finish();
					}
					else {
						CompletableFuture.runAsync(work::finish);
					}
					return work;
				});
		int cancel = random.nextInt(4);
		if (cancel == 0) {
			result.cancel(true);
		}
		else if (cancel == 1) {
			Thread.yield();
			result.cancel(true);
		}
		result.handle((value, error) -> null).join();
	}

	private @Nullable Duration randomTimeout() {
		return switch (ThreadLocalRandom.current().nextInt(3)) {
			case 0 -> null;
			case 1 -> Duration.ZERO;
			default -> Duration.ofNanos(ThreadLocalRandom.current().nextInt(200_000));
		};
	}

	private void enter() {
		int now = this.inFlight.incrementAndGet();
		this.entered.incrementAndGet();
		this.worst.accumulateAndGet(now, Math::max);
		if (now > TOTAL) {
			failed(new AssertionError(now + " calls in flight, more than the total of " + TOTAL));
		}
	}

	private void failed(Throwable ex) {
		synchronized (this.errors) {
			this.errors.add(ex);
		}
	}

	/**
	 * A call's stage whose work is over (out of flight) before it completes, whether it
	 * finishes or is cancelled, so the permit it held is released only after.
	 */
	private final class Work extends CompletableFuture<Object> {

		private final AtomicBoolean over = new AtomicBoolean();

		void finish() {
			end();
			super.complete("done");
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			end();
			return super.cancel(mayInterruptIfRunning);
		}

		private void end() {
			if (this.over.compareAndSet(false, true)) {
				ConcurrencyLimitContentionTests.this.inFlight.decrementAndGet();
			}
		}

	}

}
