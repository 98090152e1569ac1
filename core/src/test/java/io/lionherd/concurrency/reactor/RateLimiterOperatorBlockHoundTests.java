package io.lionherd.concurrency.reactor;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterFactory;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.blockhound.BlockingOperationError;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With BlockHound installed, subscriptions that wait for permits on Reactor's
 * non-blocking threads never block them, on the in-memory limiters, also while another
 * thread holds the limiter's lock.
 */
@ExtendWith(BlockHoundInstalled.class)
class RateLimiterOperatorBlockHoundTests {

	private static final String THREADS = "non-blocking-test";

	private final ManualTime time = new ManualTime();

	private final Scheduler nonBlocking = Schedulers.newParallel(THREADS, 2);

	@AfterEach
	void disposeScheduler() {
		this.nonBlocking.dispose();
	}

	@Test
	void blockHoundRejectsBlockingOnTheseThreads() {
		StepVerifier.create(Mono.fromCallable(() -> {
			Thread.sleep(1);
			return "slept";
		}).subscribeOn(this.nonBlocking)).expectError(BlockingOperationError.class).verify(Duration.ofSeconds(5));
	}

	@Test
	void waitingCancellingAndGrantingNeverBlockANonBlockingThread() {
		RateLimiter limiter = RateLimiterFactory.inMemory(this.time, this.time, ManualTime.DIRECT)
			.create("parallel", RateLimiterConfig.of(5, Duration.ofSeconds(1)), RateLimiterListener.none());
		Flux<Integer> waiters = Flux.range(0, 40)
			.flatMap((i) -> Mono.just(i)
				.transformDeferred(RateLimiterOperator.of(limiter))
				.subscribeOn(this.nonBlocking));
		StepVerifier.create(waiters)
			.expectNextCount(5)
			.then(() -> await().atMost(Duration.ofSeconds(5)).until(() -> limiter.waitingCount() == 35))
			.then(() -> advanceSeconds(7))
			.expectNextCount(35)
			.verifyComplete();
		Disposable cancelled = Mono.just(0)
			.transformDeferred(RateLimiterOperator.of(limiter))
			.subscribeOn(this.nonBlocking)
			.subscribe();
		await().atMost(Duration.ofSeconds(5)).until(() -> limiter.waitingCount() == 1);
		this.nonBlocking.schedule(cancelled::dispose);
		await().atMost(Duration.ofSeconds(5)).until(() -> limiter.waitingCount() == 0);
	}

	@Test
	void waitingForTheLimitersLockDoesNotFailOnANonBlockingThread() throws Exception {
		assertWaitsForTheLockWithoutFailing(RateLimiterConfig.of(1, Duration.ofSeconds(1)));
	}

	@Test
	void waitingForTheMultiWindowLimitersLockDoesNotFailOnANonBlockingThread() throws Exception {
		assertWaitsForTheLockWithoutFailing(
				RateLimiterConfig.of(Limit.calls(1, Duration.ofSeconds(1)), Limit.permits(100, Duration.ofMinutes(1))));
	}

	/**
	 * A plain thread holds the limiter's lock (its wake-up is being scheduled under it,
	 * by a scheduler held at a latch) while a subscription on a non-blocking thread asks
	 * for a permit: that thread parks for the lock, which the core's BlockHound
	 * integration allows, and is queued once the lock is free.
	 */
	private void assertWaitsForTheLockWithoutFailing(RateLimiterConfig config) throws Exception {
		HeldScheduler scheduler = new HeldScheduler(this.time);
		RateLimiter limiter = RateLimiterFactory.inMemory(this.time, scheduler, ManualTime.DIRECT)
			.create("contended", config, RateLimiterListener.none());
		assertThat(limiter.tryAcquire()).isTrue();
		Thread holder = new Thread(limiter::acquire, HeldScheduler.HOLDER);
		holder.start();
		assertThat(scheduler.entered.await(5, TimeUnit.SECONDS)).isTrue();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Mono<String> limited = Mono.just("granted")
			.transformDeferred(RateLimiterOperator.of(limiter))
			.subscribeOn(this.nonBlocking)
			.doOnError(failure::set);
		StepVerifier.create(limited)
			.expectSubscription()
			.then(() -> await().atMost(Duration.ofSeconds(5))
				.until(() -> failure.get() != null || parkedThreads(THREADS) > 0))
			.then(scheduler.release::countDown)
			.then(() -> await().atMost(Duration.ofSeconds(5))
				.until(() -> failure.get() != null || limiter.waitingCount() == 2))
			.then(() -> advanceSeconds(2))
			.expectNext("granted")
			.verifyComplete();
		holder.join(5000);
	}

	private void advanceSeconds(int seconds) {
		for (int i = 0; i < seconds; i++) {
			this.time.advance(Duration.ofSeconds(1));
		}
	}

	private static long parkedThreads(String prefix) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().startsWith(prefix))
			.filter((thread) -> thread.getState() == Thread.State.WAITING)
			.count();
	}

	/**
	 * The manual timer, but its first entry scheduled by the {@link #HOLDER} thread waits
	 * at a latch: the limiter schedules its wake-up while holding its lock.
	 */
	static final class HeldScheduler implements DelayScheduler {

		static final String HOLDER = "lock-holder";

		final CountDownLatch entered = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		private final ManualTime time;

		HeldScheduler(ManualTime time) {
			this.time = time;
		}

		@Override
		public Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
			if (Thread.currentThread().getName().equals(HOLDER) && this.entered.getCount() > 0) {
				this.entered.countDown();
				try {
					this.release.await(5, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			return this.time.schedule(executor, command, delay, unit);
		}

	}

}
