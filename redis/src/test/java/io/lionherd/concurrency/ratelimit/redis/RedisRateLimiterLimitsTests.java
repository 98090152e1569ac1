package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.api.sync.RedisCommands;
import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import io.lionherd.concurrency.ratelimit.PermitTimeoutException;
import io.lionherd.concurrency.ratelimit.RateLimitExceededException;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterBackendException;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for weighted requests, several limits and reservations of
 * {@link RedisRateLimiter}, against a real Redis server.
 */
@ExtendWith(RedisServerExtension.class)
class RedisRateLimiterLimitsTests {

	private RedisTestSupport redis;

	private RedisCommands<String, String> commands;

	@BeforeEach
	void setUp(RedisServerProcess server) {
		this.redis = new RedisTestSupport(server);
		this.commands = this.redis.redis();
	}

	@AfterEach
	void tearDown() throws Exception {
		this.redis.close();
	}

	@Test
	void aWeightedRequestChargesItsPermitsAsOneEntryAndIsRefusedWhenTheyDoNotFit() {
		RedisRateLimiter limiter = limiter("weights", RateLimiterConfig.of(Limit.permits(10, Duration.ofMinutes(1))));
		assertThat(limiter.tryAcquire(4)).isTrue();
		assertThat(limiter.tryAcquireAsync(4)).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(true);
		assertThat(limiter.availablePermits()).isEqualTo(2);
		assertThat(limiter.tryAcquire(4)).isFalse();
		assertThat(limiter.tryAcquire(2)).isTrue();
		assertThat(limiter.availablePermits()).isZero();
		assertThat(this.commands.zcard(limiter.redisKey())).isEqualTo(3);
		assertThat(RedisTestSupport.look(this.commands, limiter.redisKey(), Duration.ofMinutes(1))[1]).isEqualTo(10);
		assertThat(this.commands.hget(limiter.redisKey() + ":sums", "1")).isEqualTo("10");
	}

	@Test
	void aCallsLimitCountsOnePerRequestAndAPermitsLimitWhatItAsks() {
		RedisRateLimiter limiter = limiter("calls",
				RateLimiterConfig.of(Limit.calls(3, Duration.ofMinutes(1)), Limit.permits(100, Duration.ofMinutes(1))));
		assertThat(limiter.tryAcquire(30)).isTrue();
		assertThat(limiter.tryAcquire(30)).isTrue();
		assertThat(limiter.availablePermits()).isEqualTo(40);
		assertThat(limiter.tryAcquire(50)).isFalse();
		assertThat(limiter.tryAcquire(30)).isTrue();
		// The calls-limit is full: nothing is available, however few permits are left.
		assertThat(limiter.availablePermits()).isZero();
		assertThat(limiter.tryAcquire(1)).isFalse();
		Duration minute = Duration.ofMinutes(1);
		assertThat(RedisTestSupport.look(this.commands, limiter.logKey(0), minute)[1]).isEqualTo(3);
		assertThat(RedisTestSupport.look(this.commands, limiter.logKey(1), minute)[1]).isEqualTo(90);
	}

	@Test
	void aRequestOneLimitRefusesChargesNoLimit() {
		RedisRateLimiter limiter = limiter("all-or-none", RateLimiterConfig
			.of(Limit.permits(100, Duration.ofMinutes(1)), Limit.permits(10, Duration.ofMinutes(2))));
		assertThat(limiter.tryAcquire(8)).isTrue();
		assertThat(limiter.tryAcquire(5)).isFalse();
		assertThat(this.commands.zcard(limiter.logKey(0))).isOne();
		assertThat(this.commands.zcard(limiter.logKey(1))).isOne();
		assertThat(limiter.tryAcquire(2)).isTrue();
	}

	@Test
	void permitsNoPermitsLimitCouldEverGrantAreRefusedAtTheCallNamingTheLimit() {
		RedisRateLimiter limiter = limiter("arguments",
				RateLimiterConfig.of(Limit.calls(5, Duration.ofMinutes(1)), Limit.permits(10, Duration.ofMinutes(1))));
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> limiter.acquire(11))
			.withMessageContaining("limits[1].max");
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> limiter.acquire(11, Duration.ofSeconds(1)))
			.withMessageContaining("limits[1].max");
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> limiter.tryAcquire(11))
			.withMessageContaining("limits[1].max");
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> limiter.tryAcquireAsync(0))
			.withMessageContaining("at least 1");
		RedisRateLimiter callsOnly = limiter("calls-only", RateLimiterConfig.of(Limit.calls(5, Duration.ofMinutes(1))));
		// A calls-limit counts 1 whatever the request asks.
		assertThat(callsOnly.tryAcquire(1_000)).isTrue();
	}

	@Test
	void tryAcquireNeverReserves() {
		RedisRateLimiter limiter = limiter("no-reservation", RateLimiterConfig.of(1, Duration.ofMinutes(1)));
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(limiter.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(false);
		assertThat(this.commands.zcard(limiter.redisKey())).isOne();
	}

	@Test
	void aWaiterIsGrantedAtTheInstantRedisReservedWithOneScriptCall() {
		RedisRateLimiter limiter = limiter("reserved", RateLimiterConfig.of(Limit.permits(3, Duration.ofSeconds(1))));
		assertThat(limiter.tryAcquire(2)).isTrue();
		long first = this.redis.grantTimes.peek();
		long calls = scriptCalls();
		CompletableFuture<Void> waiter = limiter.acquire(2);
		assertThat(waiter).succeedsWithin(Duration.ofSeconds(10));
		// Room for 2 comes when the first grant leaves its window.
		assertThat(this.redis.sortedGrantTimes()).containsExactly(first, first + 1_000_000);
		assertThat(scriptCalls() - calls).isOne();
	}

	@Test
	void anAcquireWhoseEarliestGrantLiesAfterItsTimeoutFailsAtOnceWithRetryAfterAndChargesNothing() {
		RedisRateLimiter limiter = limiter("fail-at-once",
				RateLimiterConfig.of(Limit.permits(10, Duration.ofMinutes(1))));
		assertThat(limiter.tryAcquire(10)).isTrue();
		// Far shorter than the timeout: it did not wait for it.
		assertThat(limiter.acquire(5, Duration.ofSeconds(30))).failsWithin(Duration.ofSeconds(10))
			.withThrowableThat()
			.havingCause()
			.isInstanceOfSatisfying(PermitTimeoutException.class,
					(ex) -> assertThat(ex.retryAfter()).hasValueSatisfying(
							(after) -> assertThat(after).isBetween(Duration.ofSeconds(50), Duration.ofMinutes(1))));
		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> limiter.executeCallable(Duration.ofSeconds(30), () -> "never"))
			.satisfies((ex) -> assertThat(ex.retryAfter()).isPresent());
		assertThat(this.commands.zcard(limiter.redisKey())).isOne();
		assertThat(limiter.waitingCount()).isZero();
	}

	@Test
	void aLargeRequestAtTheHeadHoldsBackSmallerOnesOfAnotherInstance() {
		Duration period = Duration.ofMillis(500);
		RateLimiterConfig config = RateLimiterConfig.of(Limit.permits(10, period));
		RedisRateLimiter a = limiter("head", config);
		RedisRateLimiter b = limiter("head", config);
		assertThat(a.tryAcquire(10)).isTrue();
		CompletableFuture<Void> large = a.acquire(10);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.commands.zcard(a.redisKey()) == 2);
		CompletableFuture<Void> small = b.acquire(1);
		// Neither a try nor a waiter of the other instance overtakes it.
		assertThat(b.tryAcquire(1)).isFalse();
		assertThat(CompletableFuture.allOf(large, small)).succeedsWithin(Duration.ofSeconds(10));
		List<RedisTestSupport.Grant> grants = this.redis.grants.stream()
			.sorted((x, y) -> Long.compare(x.micros(), y.micros()))
			.toList();
		assertThat(grants).extracting(RedisTestSupport.Grant::permits).containsExactly(10L, 10L, 1L);
		// The small one waits until the large one has left its window.
		assertThat(grants.get(2).micros() - grants.get(1).micros()).isEqualTo(500_000);
	}

	@Test
	void aCancelledReservationFreesItsRoomForALaterRequest() {
		RateLimiterConfig config = RateLimiterConfig.of(Limit.permits(1, Duration.ofSeconds(1)));
		RedisRateLimiter a = limiter("cancel", config);
		RedisRateLimiter b = limiter("cancel", config);
		assertThat(a.tryAcquire()).isTrue();
		long first = this.redis.grantTimes.peek();
		CompletableFuture<Void> cancelled = a.acquire();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.commands.zcard(a.redisKey()) == 2);
		assertThat(cancelled.cancel(false)).isTrue();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.commands.zcard(a.redisKey()) == 1);
		assertThat(b.acquire()).succeedsWithin(Duration.ofSeconds(10));
		// The instant the cancelled one had, not a period after it.
		assertThat(this.redis.sortedGrantTimes()).containsExactly(first, first + 1_000_000);
		assertThat(a.waitingCount()).isZero();
	}

	@Test
	void aTimeoutOfAReservedWaiterIsNoFailureItIsGrantedInTime() {
		RedisRateLimiter limiter = limiter("in-time", RateLimiterConfig.of(Limit.permits(1, Duration.ofMillis(300))));
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.acquire(Duration.ofMillis(400))).succeedsWithin(Duration.ofSeconds(10));
	}

	@Test
	void instancesWhoseLimitsDifferAreRefusedNamingBothDefinitions() {
		RedisRateLimiter a = limiter("defined",
				RateLimiterConfig.of(Limit.calls(5, Duration.ofMinutes(1)), Limit.permits(100, Duration.ofMinutes(1))));
		RedisRateLimiter b = limiter("defined",
				RateLimiterConfig.of(Limit.calls(5, Duration.ofMinutes(1)), Limit.permits(200, Duration.ofMinutes(1))));
		assertThat(a.tryAcquire(10)).isTrue();
		assertThat(b.acquire(10)).failsWithin(Duration.ofSeconds(10))
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(RateLimiterBackendException.class)
			.withMessageContaining("limits=[5 calls per PT1M, 100 permits per PT1M]")
			.withMessageContaining("limits=[5 calls per PT1M, 200 permits per PT1M]");
		assertThat(b.tryAcquire(10)).isFalse();
		assertThat(this.commands.zcard(a.logKey(1))).isOne();
	}

	@Test
	void aReservationForAWaiterCancelledWhileItsCallWasHeldIsTakenBack() {
		RedisRateLimiter limiter = limiter("held", RateLimiterConfig.of(Limit.permits(1, Duration.ofMinutes(1))));
		assertThat(limiter.tryAcquire()).isTrue();
		try {
			RedisTestSupport.pauseWrites(this.commands, 10_000);
			CompletableFuture<Void> waiter = limiter.acquire();
			assertThat(waiter.cancel(false)).isTrue();
		}
		finally {
			RedisTestSupport.unpause(this.commands);
		}
		// The reply reserved it a minute ahead; nobody waits for it any more.
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(
					() -> assertThat(RedisTestSupport.look(this.commands, limiter.redisKey(), Duration.ofMinutes(1))[2])
						.isZero());
		assertThat(this.commands.zcard(limiter.redisKey())).isOne();
		assertThat(limiter.waitingCount()).isZero();
	}

	@Test
	void aReservationInAReplyAfterTheCommandTimeoutIsTakenBack() {
		RedisRateLimiterFactory factory = this.redis
			.build(this.redis.factory().commandTimeout(Duration.ofMillis(300)).onBackendFailure(OnBackendFailure.FAIL));
		RedisRateLimiter limiter = (RedisRateLimiter) factory.create("late",
				RateLimiterConfig.of(Limit.permits(1, Duration.ofMinutes(1))), RateLimiterListener.none());
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> waiter;
		try {
			RedisTestSupport.pauseWrites(this.commands, 10_000);
			waiter = limiter.acquire();
			assertThat(waiter).failsWithin(Duration.ofSeconds(10))
				.withThrowableThat()
				.havingCause()
				.isInstanceOf(RateLimiterBackendException.class);
		}
		finally {
			RedisTestSupport.unpause(this.commands);
		}
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.commands.zcard(limiter.redisKey())).isOne());
		assertThat(RedisTestSupport.look(this.commands, limiter.redisKey(), Duration.ofMinutes(1))[2]).isZero();
	}

	/** Calls of the rate limiter script (by its SHA-1) the server ran so far. */
	private long scriptCalls() {
		return RedisTestSupport.commandCalls(this.commands, "evalsha");
	}

	/** A limiter on a factory (an instance) of its own. */
	private RedisRateLimiter limiter(String name, RateLimiterConfig config) {
		RedisRateLimiterFactory factory = this.redis
			.build(this.redis.factory().onBackendFailure(OnBackendFailure.FAIL));
		return (RedisRateLimiter) factory.create(name, config, RateLimiterListener.none());
	}

}
