package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import io.lionherd.concurrency.reactor.RateLimiterOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With BlockHound installed (this project's integrations found on the class path),
 * subscriptions that ask a Redis rate limiter for permits on Reactor's non-blocking
 * threads never block them, also while the limiter's locks are held by another thread:
 * waiting for them is allowed, as a bounded critical section, and nothing else is.
 */
@ExtendWith(RedisServerExtension.class)
class RedisRateLimiterBlockHoundTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final Scheduler nonBlocking = Schedulers.newParallel("redis-blockhound-test", 4);

	private RedisTestSupport redis;

	private RedisRateLimiterFactory factory;

	@BeforeAll
	static void installBlockHound(RedisServerProcess server) {
		BlockHoundInstalled.install(server);
	}

	@BeforeEach
	void setUp(RedisServerProcess server) {
		this.redis = new RedisTestSupport(server);
		this.factory = this.redis.build(this.redis.factory());
	}

	@AfterEach
	void tearDown() throws Exception {
		this.nonBlocking.dispose();
		this.redis.close();
	}

	private RedisRateLimiter limiter(String name, RateLimiterConfig config) {
		return (RedisRateLimiter) this.factory.create(name, config, RateLimiterListener.none());
	}

	@Test
	void blockHoundRejectsBlockingOnTheseThreads() {
		StepVerifier.create(Mono.fromCallable(() -> {
			Thread.sleep(1);
			return "slept";
		}).subscribeOn(this.nonBlocking)).expectError(BlockingOperationError.class).verify(WAIT);
	}

	@Test
	void waitingForTheLimitersLockDoesNotFailOnANonBlockingThread() throws Exception {
		RedisRateLimiter limiter = limiter("limiter-lock", RateLimiterConfig.of(5, Duration.ofMinutes(1)));
		assertGrantedAfterWaitingFor(HeldLock.in(limiter, "lock"), limiter);
	}

	@Test
	void waitingForTheCommandTimeoutsLockDoesNotFailOnANonBlockingThread() throws Exception {
		RedisRateLimiter limiter = limiter("deadlines-lock", RateLimiterConfig.of(5, Duration.ofMinutes(1)));
		assertGrantedAfterWaitingFor(HeldLock.in(HeldLock.field(limiter, "backend"), "deadlinesLock"), limiter);
	}

	/**
	 * Only waiting for the locks is allowed, not what is done under them: the first timed
	 * call of a factory schedules the sweep of command timeouts on its scheduler under
	 * the Backend's lock, and a scheduler of the user's that blocks there is reported.
	 */
	@Test
	void aBlockingCallOfTheUsersSchedulerUnderTheLimitersLockIsStillReported() {
		DelayScheduler sleepy = (executor, command, delay, unit) -> {
			try {
				Thread.sleep(1);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return DelayScheduler.shared().schedule(executor, command, delay, unit);
		};
		RateLimiter limiter = this.redis.build(this.redis.factory().scheduler(sleepy))
			.create("sleepy", RateLimiterConfig.of(5, Duration.ofMinutes(1)), RateLimiterListener.none());
		StepVerifier.create(
				Mono.just("granted").transformDeferred(RateLimiterOperator.of(limiter)).subscribeOn(this.nonBlocking))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(BlockingOperationError.class)
				.hasStackTraceContaining("Backend.scheduleSweep"))
			.verify(WAIT);
	}

	/**
	 * A subscription on a non-blocking thread asks for a permit while a plain thread
	 * holds {@code lock}: it parks for the lock, then is granted once the lock is free.
	 */
	private void assertGrantedAfterWaitingFor(ReentrantLock lock, RateLimiter limiter) throws Exception {
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Mono<String> limited = Mono.just("granted")
			.transformDeferred(RateLimiterOperator.of(limiter))
			.subscribeOn(this.nonBlocking)
			.doOnError(failure::set);
		try (HeldLock held = HeldLock.hold(lock)) {
			StepVerifier.create(limited)
				.expectSubscription()
				.then(() -> await().atMost(WAIT).until(() -> failure.get() != null || lock.hasQueuedThreads()))
				.then(() -> close(held))
				.expectNext("granted")
				.expectComplete()
				.verify(WAIT);
		}
	}

	private static void close(HeldLock held) {
		try {
			held.close();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
