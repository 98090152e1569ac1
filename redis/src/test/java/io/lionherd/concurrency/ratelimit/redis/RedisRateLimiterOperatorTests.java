package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;

import io.lettuce.core.api.sync.RedisCommands;
import io.lionherd.concurrency.ratelimit.RateLimitExceededException;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import io.lionherd.concurrency.reactor.RateLimiterOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link RateLimiterOperator} on the Redis backend, against a real Redis server, with
 * BlockHound installed: subscriptions on Reactor's non-blocking threads ask the server
 * for their permits without blocking those threads.
 */
@ExtendWith(RedisServerExtension.class)
class RedisRateLimiterOperatorTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private RedisTestSupport redis;

	private RedisRateLimiterFactory factory;

	private RedisCommands<String, String> commands;

	private final Scheduler nonBlocking = Schedulers.newParallel("redis-operator-test", 2);

	@BeforeAll
	static void installBlockHound(RedisServerProcess server) {
		// Once per JVM, the same for every test class of this module that needs it.
		BlockHoundInstalled.install(server);
	}

	@BeforeEach
	void setUp(RedisServerProcess server) {
		this.redis = new RedisTestSupport(server);
		this.factory = this.redis.build(this.redis.factory());
		this.commands = this.redis.redis();
	}

	@AfterEach
	void tearDown() throws Exception {
		this.nonBlocking.dispose();
		this.redis.close();
	}

	private RateLimiter limiter(RateLimiterConfig config) {
		return this.factory.create("operator", config, RateLimiterListener.none());
	}

	@Test
	void aSubscriptionOnANonBlockingThreadGetsItsPermitFromTheServer() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(2, Duration.ofMinutes(1)));
		StepVerifier.create(
				Mono.just("granted").transformDeferred(RateLimiterOperator.of(limiter)).subscribeOn(this.nonBlocking))
			.expectNext("granted")
			.expectComplete()
			.verify(WAIT);
		assertThat(this.commands.zcard(((RedisRateLimiter) limiter).redisKey())).isOne();
	}

	@Test
	void aRefusalIsRateLimitExceededOnANonBlockingThread() {
		RateLimiter limiter = limiter(new RateLimiterConfig(1, Duration.ofMinutes(1), Duration.ZERO));
		assertThat(limiter.acquire()).succeedsWithin(WAIT);
		StepVerifier.create(
				Mono.just("refused").transformDeferred(RateLimiterOperator.of(limiter)).subscribeOn(this.nonBlocking))
			.expectError(RateLimitExceededException.class)
			.verify(WAIT);
	}

	@Test
	void cancellingWhileWaitingOnANonBlockingThreadGivesThePlaceUpAndChargesNothing() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(1, Duration.ofMinutes(1)));
		assertThat(limiter.acquire()).succeedsWithin(WAIT);
		Disposable waiting = Mono.just("waiting")
			.transformDeferred(RateLimiterOperator.of(limiter))
			.subscribeOn(this.nonBlocking)
			.subscribe();
		await().atMost(WAIT).until(() -> limiter.waitingCount() == 1);
		this.nonBlocking.schedule(waiting::dispose);
		await().atMost(WAIT).until(() -> limiter.waitingCount() == 0);
		assertThat(this.commands.zcard(((RedisRateLimiter) limiter).redisKey())).isOne();
	}

}
