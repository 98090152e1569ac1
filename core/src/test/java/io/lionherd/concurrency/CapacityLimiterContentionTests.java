package io.lionherd.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.CapacityLimiter.Permit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link CapacityLimiter} under real contention: 16 threads acquiring, trying, timing out
 * and cancelling at random never hold more than {@code total} permits at once, and leave
 * the limiter as they found it.
 */
class CapacityLimiterContentionTests {

	private static final int TOTAL = 3;

	@Test
	void neverMoreThanTotalHeldUnderRandomAcquiresTimeoutsAndCancels() throws Exception {
		CapacityLimiter limiter = CapacityLimiter.of(TOTAL);
		AtomicInteger inFlight = new AtomicInteger();
		AtomicInteger worst = new AtomicInteger();
		AtomicInteger held = new AtomicInteger();
		long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
		List<Thread> threads = new ArrayList<>();
		List<Throwable> errors = new ArrayList<>();
		for (int t = 0; t < 16; t++) {
			Thread thread = new Thread(() -> {
				ThreadLocalRandom random = ThreadLocalRandom.current();
				while (System.nanoTime() < end) {
					Permit permit = null;
					switch (random.nextInt(4)) {
						case 0 -> permit = limiter.acquire().join();
						case 1 -> {
							Optional<Permit> tried = limiter.tryAcquire();
							permit = tried.orElse(null);
						}
						case 2 -> {
							CompletableFuture<Permit> future = limiter
								.acquire(Duration.ofNanos(random.nextInt(200_000)));
							permit = future.handle((p, ex) -> p).join();
						}
						default -> {
							CompletableFuture<Permit> future = limiter.acquire();
							if (!future.cancel(random.nextBoolean())) {
								permit = future.join();
							}
						}
					}
					if (permit != null) {
						int now = inFlight.incrementAndGet();
						worst.accumulateAndGet(now, Math::max);
						held.incrementAndGet();
						if (random.nextBoolean()) {
							Thread.yield();
						}
						inFlight.decrementAndGet();
						permit.close();
					}
				}
			});
			thread.setUncaughtExceptionHandler((th, ex) -> {
				synchronized (errors) {
					errors.add(ex);
				}
			});
			threads.add(thread);
			thread.start();
		}
		for (Thread thread : threads) {
			thread.join();
		}
		assertThat(errors).isEmpty();
		assertThat(worst.get()).isBetween(1, TOTAL);
		assertThat(held.get()).isPositive();
		// Timeouts already fired may still be completing their futures on the wake-up
		// pool.
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			assertThat(limiter.borrowed()).isZero();
			assertThat(limiter.waitingCount()).isZero();
			assertThat(limiter.available()).isEqualTo(TOTAL);
		});
	}

	@Test
	void neverMoreThanTheHighestTotalHeldWhileTheTotalChangesUnderTheFastPath() throws Exception {
		CapacityLimiter limiter = CapacityLimiter.of(TOTAL);
		AtomicInteger inFlight = new AtomicInteger();
		AtomicInteger worst = new AtomicInteger();
		long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
		List<Thread> threads = new ArrayList<>();
		List<Throwable> errors = new ArrayList<>();
		for (int t = 0; t < 8; t++) {
			Thread thread = new Thread(() -> {
				ThreadLocalRandom random = ThreadLocalRandom.current();
				while (System.nanoTime() < end) {
					Permit permit = random.nextBoolean() ? limiter.tryAcquire().orElse(null)
							: limiter.acquire(Duration.ofNanos(random.nextInt(100_000))).handle((p, ex) -> p).join();
					if (permit != null) {
						worst.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
						inFlight.decrementAndGet();
						permit.close();
					}
				}
			});
			thread.setUncaughtExceptionHandler((th, ex) -> {
				synchronized (errors) {
					errors.add(ex);
				}
			});
			threads.add(thread);
			thread.start();
		}
		// Lowering the total revokes nothing, so at most the highest total is held.
		Thread setter = new Thread(() -> {
			while (System.nanoTime() < end) {
				limiter.setTotal(ThreadLocalRandom.current().nextInt(1, TOTAL + 1));
				Thread.yield();
			}
			limiter.setTotal(TOTAL);
		});
		setter.start();
		for (Thread thread : threads) {
			thread.join();
		}
		setter.join();
		assertThat(errors).isEmpty();
		assertThat(worst.get()).isBetween(1, TOTAL);
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			assertThat(limiter.borrowed()).isZero();
			assertThat(limiter.waitingCount()).isZero();
			assertThat(limiter.available()).isEqualTo(TOTAL);
			assertThat(limiter.tryAcquire()).isPresent();
		});
	}

}
