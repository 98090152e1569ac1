package io.lionherd.concurrency.capacity.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import io.lionherd.concurrency.ratelimit.redis.BlockHoundInstalled;
import io.lionherd.concurrency.ratelimit.redis.HeldLock;
import io.lionherd.concurrency.ratelimit.redis.RedisServerExtension;
import io.lionherd.concurrency.ratelimit.redis.RedisServerProcess;
import io.lionherd.concurrency.reactor.ConcurrencyLimitOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With BlockHound installed (this project's integrations found on the class path),
 * subscriptions that hold a Redis concurrency limit's permits on Reactor's non-blocking
 * threads never block them, also while the limit's lock is held by another thread.
 */
@ExtendWith(RedisServerExtension.class)
class RedisConcurrencyLimitBlockHoundTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final Scheduler nonBlocking = Schedulers.newParallel("redis-blockhound-test", 4);

	private CapacityTestSupport redis;

	private RedisConcurrencyLimitFactory factory;

	@BeforeAll
	static void installBlockHound(RedisServerProcess server) {
		BlockHoundInstalled.install(server);
	}

	@BeforeEach
	void setUp(RedisServerProcess server) {
		this.redis = new CapacityTestSupport(server);
		this.factory = this.redis.build(this.redis.factory());
	}

	@AfterEach
	void tearDown() throws Exception {
		this.nonBlocking.dispose();
		this.redis.close();
	}

	private RedisConcurrencyLimit limit(String name, int total) {
		return (RedisConcurrencyLimit) this.redis.limit(this.factory, name, total, Duration.ofSeconds(30));
	}

	@Test
	void waitingForTheLimitsLockDoesNotFailOnANonBlockingThread() throws Exception {
		RedisConcurrencyLimit limit = limit("limit-lock", 2);
		ReentrantLock lock = HeldLock.in(limit, "lock");
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Mono<String> limited = Mono.just("held")
			.transformDeferred(ConcurrencyLimitOperator.of(limit))
			.subscribeOn(this.nonBlocking)
			.doOnError(failure::set);
		try (HeldLock held = HeldLock.hold(lock)) {
			StepVerifier.create(limited)
				.expectSubscription()
				.then(() -> await().atMost(WAIT).until(() -> failure.get() != null || lock.hasQueuedThreads()))
				.then(() -> close(held))
				.expectNext("held")
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
