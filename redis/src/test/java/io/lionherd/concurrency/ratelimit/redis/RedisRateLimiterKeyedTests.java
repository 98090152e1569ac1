package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.api.sync.RedisCommands;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.LimitStatus;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the limiters of client keys ({@link RateLimiterRegistry#get(String, String)})
 * on the Redis backend, against a real Redis server.
 */
@ExtendWith(RedisServerExtension.class)
class RedisRateLimiterKeyedTests {

	private RedisTestSupport redis;

	private RedisRateLimiterFactory factory;

	private RedisCommands<String, String> commands;

	@BeforeEach
	void setUp(RedisServerProcess server) {
		this.redis = new RedisTestSupport(server);
		this.factory = this.redis.build(this.redis.factory());
		this.commands = this.redis.redis();
	}

	@AfterEach
	void tearDown() throws Exception {
		// The server is shared: never leave it paused, even after a failure.
		RedisTestSupport.unpause(this.commands);
		this.redis.close();
	}

	@Test
	void aKeyedLimiterNamesItsDefinitionAndItsKeyAndLivesAtItsOwnKeySet() {
		RateLimiterRegistry registry = registry(this.factory, RateLimiterConfig.of(2, Duration.ofMinutes(1)));
		RateLimiter handle = registry.get("per-user", "{alice}:1");
		assertThat(handle.name()).isEqualTo("per-user");
		assertThat(handle.key()).contains("{alice}:1");
		assertThat(registry.get("per-user").key()).isEmpty();
		// The registry hands out a handle; the limiter behind it is the factory's.
		RedisRateLimiter limiter = (RedisRateLimiter) keyed(RateLimiterConfig.of(2, Duration.ofMinutes(1)),
				"{alice}:1");
		assertThat(limiter.name()).isEqualTo("per-user");
		assertThat(limiter.key()).contains("{alice}:1");
		assertThat(limiter.redisKey()).isEqualTo(this.redis.keyPrefix + "k{per-user:%7Balice%7D%3A1}");
		assertThat(handle.tryAcquire()).isTrue();
		assertThat(this.commands.keys(this.redis.keyPrefix + "*")).containsExactlyInAnyOrder(limiter.redisKey(),
				limiter.redisKey() + ":sums", limiter.redisKey() + ":def");
	}

	@Test
	void hostileKeysEachGetTheirOwnExactLimitIndependentOfTheNamedLimiter() {
		RateLimiterRegistry registry = registry(this.factory, RateLimiterConfig.of(2, Duration.ofMinutes(1)));
		List<String> keys = new ArrayList<>(RedisKeyLayoutTests.HOSTILE);
		// Keys equal to another key's encoded forms.
		keys.add(Layout.encode("}"));
		keys.add(Layout.encode("{alice}:1"));
		keys.add(Layout.encode("x".repeat(10_000)));
		keys.add("per-user");
		RateLimiter named = registry.get("per-user");
		assertThat(named.tryAcquire()).isTrue();
		for (String key : keys) {
			RateLimiter limiter = registry.get("per-user", key);
			assertThat(limiter.tryAcquire()).as("first of %s", key).isTrue();
			assertThat(limiter.tryAcquire()).as("second of %s", key).isTrue();
		}
		for (String key : keys) {
			assertThat(registry.get("per-user", key).tryAcquire()).as("third of %s", key).isFalse();
		}
		assertThat(named.tryAcquire()).isTrue();
		assertThat(named.tryAcquire()).isFalse();
		// Every key set holds its own two grants; the named limiter its own.
		assertThat(this.commands.keys(this.redis.keyPrefix + "*")).hasSize(3 * (keys.size() + 1));
	}

	@Test
	void aNameThatEndsLikeAnotherNameAndKeyHasLimitersOfItsOwn() {
		RateLimiterConfig config = RateLimiterConfig.of(1, Duration.ofMinutes(1));
		RateLimiterRegistry registry = new RateLimiterRegistry();
		registry.rateLimiter("per-user", config, this.factory);
		registry.rateLimiter("per-user:a", config, this.factory);
		registry.rateLimiter("per-user:alice", config, this.factory);
		assertThat(registry.get("per-user", "a:b").tryAcquire()).isTrue();
		assertThat(registry.get("per-user:a", "b").tryAcquire()).isTrue();
		assertThat(registry.get("per-user", "alice").tryAcquire()).isTrue();
		assertThat(registry.get("per-user:alice").tryAcquire()).isTrue();
		assertThat(registry.get("per-user:a", "b").tryAcquire()).isFalse();
	}

	@Test
	void anEmptyKeyIsRefused() {
		RateLimiterRegistry registry = registry(this.factory, RateLimiterConfig.of(2, Duration.ofMinutes(1)));
		assertThatIllegalArgumentException().isThrownBy(() -> registry.get("per-user", ""))
			.withMessageContaining("key must not be null or empty");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.factory.create("per-user", "", RateLimiterConfig.of(2, Duration.ofMinutes(1)),
					RateLimiterListener.none()))
			.withMessageContaining("key must not be null or empty");
	}

	@Test
	void twoInstancesShareOneKeysLimitExactly() {
		RateLimiterConfig config = RateLimiterConfig.of(5, Duration.ofMinutes(1));
		RateLimiterRegistry first = registry(this.factory, config);
		RateLimiterRegistry second = registry(this.redis.build(this.redis.factory()), config);
		int granted = 0;
		for (int i = 0; i < 10; i++) {
			RateLimiterRegistry registry = (i % 2 == 0) ? first : second;
			granted += registry.get("per-user", "alice").tryAcquire() ? 1 : 0;
		}
		assertThat(granted).isEqualTo(5);
		assertThat(first.get("per-user", "bob").tryAcquire()).isTrue();
	}

	@Test
	void everyServerKeyOfAClientKeyExpiresOnceItsLongestPeriodHasPassed() {
		RateLimiterConfig config = RateLimiterConfig.of(Limit.calls(2, Duration.ofMillis(100)),
				Limit.permits(10, Duration.ofSeconds(1)));
		RateLimiterRegistry registry = registry(this.factory, config);
		for (int i = 0; i < 20; i++) {
			RateLimiter limiter = registry.get("per-user", "one-shot-" + i);
			assertThat(limiter.tryAcquire(3)).isTrue();
			String key = redisKey(keyed(config, "one-shot-" + i));
			for (String each : List.of(key, key + ":1", key + ":sums", key + ":def")) {
				assertThat(this.commands.pttl(each)).as("time to live of %s", each).isBetween(1L, 1005L);
			}
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> this.commands.keys(this.redis.keyPrefix + "*").isEmpty());
	}

	@Test
	void anInstanceThatDefinesTheNameOtherwiseIsRefusedAtTheKeysOwnDefinition() {
		RateLimiter here = keyed(RateLimiterConfig.of(5, Duration.ofMinutes(1)), "alice");
		assertThat(here.tryAcquire()).isTrue();
		RateLimiter there = this.redis.build(this.redis.factory())
			.create("per-user", "alice", RateLimiterConfig.of(10, Duration.ofMinutes(1)), RateLimiterListener.none());
		assertThat(there.tryAcquire()).isFalse();
		assertThat(there.acquire()).failsWithin(Duration.ofSeconds(10))
			.withThrowableThat()
			.withMessageContaining(redisKey(here) + ":def")
			.withMessageContaining("limits=[5 permits per PT1M]");
		assertThat(this.commands.zcard(redisKey(here))).isOne();
	}

	@Test
	void aKeyedLimiterWithNothingInFlightIsForgettableWhileItsGrantsAreStillInTheWindow() {
		RateLimiter limiter = keyed(RateLimiterConfig.of(2, Duration.ofMinutes(1)), "alice");
		assertThat(forgettable(limiter)).isTrue();
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(forgettable(limiter)).isTrue();
	}

	@Test
	void aKeyedLimiterWithAWaiterIsNotForgettableUntilTheWaiterLeaves() {
		RateLimiter limiter = keyed(RateLimiterConfig.of(1, Duration.ofMinutes(1)), "alice");
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> waiter = limiter.acquire(Duration.ofMinutes(5));
		await().atMost(Duration.ofSeconds(10)).until(() -> this.commands.zcard(redisKey(limiter)) == 2);
		assertThat(forgettable(limiter)).as("reserved").isFalse();
		waiter.cancel(false);
		assertThat(forgettable(limiter)).isTrue();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.commands.zcard(redisKey(limiter)) == 1);
	}

	@Test
	void aKeyedLimiterWithACallInFlightIsNotForgettableUntilItsReplyCame() {
		RateLimiter limiter = keyed(RateLimiterConfig.of(2, Duration.ofMinutes(1)), "alice");
		RedisTestSupport.pauseWrites(this.commands, 10_000);
		CompletableFuture<Boolean> attempt = limiter.tryAcquireAsync();
		assertThat(forgettable(limiter)).isFalse();
		RedisTestSupport.unpause(this.commands);
		assertThat(attempt).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
		await().atMost(Duration.ofSeconds(10)).until(() -> forgettable(limiter));
	}

	@Test
	void aForgottenKeysFreshLimiterKeepsCountingItsWindow() {
		RateLimiterConfig config = RateLimiterConfig.of(2, Duration.ofMinutes(1));
		RateLimiter first = keyed(config, "alice");
		assertThat(first.tryAcquire()).isTrue();
		assertThat(forgettable(first)).isTrue();
		RateLimiter fresh = keyed(config, "alice");
		assertThat(fresh.tryAcquire()).isTrue();
		assertThat(fresh.tryAcquire()).isFalse();
	}

	@Test
	void statusBeforeTheFirstDecisionIsTheFirstLimitInFull() {
		RateLimiter limiter = keyed(RateLimiterConfig.of(5, Duration.ofMinutes(1)), "alice");
		assertThat(limiter.status())
			.isEqualTo(new LimitStatus(Limit.permits(5, Duration.ofMinutes(1)), 5, Duration.ZERO));
	}

	@Test
	void statusAfterGrantsTellsWhatIsLeftAndWhenTheOldestGrantLeavesTheWindow() {
		RateLimiter limiter = keyed(RateLimiterConfig.of(5, Duration.ofMinutes(1)), "alice");
		assertThat(limiter.tryAcquire(2)).isTrue();
		assertThat(limiter.tryAcquire()).isTrue();
		LimitStatus status = limiter.status();
		assertThat(status.limit()).isEqualTo(Limit.permits(5, Duration.ofMinutes(1)));
		assertThat(status.remaining()).isEqualTo(2);
		assertThat(status.reset()).isBetween(Duration.ofSeconds(50), Duration.ofMinutes(1));
	}

	@Test
	void statusAfterARefusalTellsNothingIsLeft() {
		RateLimiter limiter = keyed(RateLimiterConfig.of(1, Duration.ofMinutes(1)), "alice");
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquire()).isFalse();
		LimitStatus status = limiter.status();
		assertThat(status.remaining()).isZero();
		assertThat(status.reset()).isBetween(Duration.ofSeconds(50), Duration.ofMinutes(1));
	}

	@Test
	void statusIsTheLimitWithTheSmallestShareLeft() {
		Limit calls = Limit.calls(10, Duration.ofSeconds(30));
		Limit tokens = Limit.permits(100, Duration.ofMinutes(1));
		RateLimiter limiter = keyed(RateLimiterConfig.of(calls, tokens), "alice");
		assertThat(limiter.tryAcquire(60)).isTrue();
		assertThat(limiter.status().limit()).isEqualTo(tokens);
		assertThat(limiter.status().remaining()).isEqualTo(40);
		assertThat(limiter.status().reset()).isBetween(Duration.ofSeconds(50), Duration.ofMinutes(1));
		for (int i = 0; i < 6; i++) {
			assertThat(limiter.tryAcquire(1)).isTrue();
		}
		// 3 of 10 calls and 34 of 100 tokens left.
		assertThat(limiter.status().limit()).isEqualTo(calls);
		assertThat(limiter.status().remaining()).isEqualTo(3);
		assertThat(limiter.status().reset()).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(30));
	}

	@Test
	void statusOnATieIsTheFirstLimit() {
		Limit calls = Limit.calls(10, Duration.ofSeconds(30));
		Limit tokens = Limit.permits(10, Duration.ofMinutes(1));
		RateLimiter limiter = keyed(RateLimiterConfig.of(calls, tokens), "alice");
		assertThat(limiter.tryAcquire(1)).isTrue();
		assertThat(limiter.status().limit()).isEqualTo(calls);
		assertThat(limiter.status().remaining()).isEqualTo(9);
	}

	@Test
	void statusCountsWhatAnotherInstanceTookAsOfThisInstancesLatestDecision() {
		RateLimiterConfig config = RateLimiterConfig.of(5, Duration.ofMinutes(1));
		RateLimiter here = keyed(config, "alice");
		RateLimiter there = this.redis.build(this.redis.factory())
			.create("per-user", "alice", config, RateLimiterListener.none());
		assertThat(there.tryAcquire(3)).isTrue();
		assertThat(here.tryAcquire()).isTrue();
		assertThat(here.status().remaining()).isEqualTo(1);
	}

	@Test
	void keyedLimitersShareTheFactorysTimerEntryAndAreNotProbedWhileIdle() {
		ManualTime time = new ManualTime();
		RedisRateLimiterFactory factory = this.redis
			.build(this.redis.factory().scheduler(time).executor(ManualTime.DIRECT));
		RateLimiterConfig config = RateLimiterConfig.of(2, Duration.ofMinutes(1));
		for (int i = 0; i < 200; i++) {
			RateLimiter limiter = factory.create("per-user", "client-" + i, config, RateLimiterListener.none());
			assertThat(limiter.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
		}
		assertThat(time.pendingCount()).as("the one entry timing out the calls in flight").isOne();
		time.advance(RedisRateLimiterFactory.DEFAULT_COMMAND_TIMEOUT);
		time.advance(RedisRateLimiterFactory.DEFAULT_PROBE_INTERVAL.multipliedBy(2));
		assertThat(time.pendingCount()).as("no probe").isZero();
	}

	@Test
	void theFactorysTimerIsItsLimitersTimer() {
		ManualTime time = new ManualTime();
		RedisRateLimiterFactory factory = this.redis.build(this.redis.factory().scheduler(time));
		assertThat(factory.scheduler()).isSameAs(time);
	}

	private RateLimiter keyed(RateLimiterConfig config, String key) {
		return this.factory.create("per-user", key, config, RateLimiterListener.none());
	}

	private static boolean forgettable(RateLimiter limiter) {
		return ((RedisRateLimiter) limiter).forgettable();
	}

	private static String redisKey(RateLimiter limiter) {
		return ((RedisRateLimiter) limiter).redisKey();
	}

	private static RateLimiterRegistry registry(RedisRateLimiterFactory factory, RateLimiterConfig config) {
		RateLimiterRegistry registry = new RateLimiterRegistry();
		registry.rateLimiter("per-user", config, factory);
		return registry;
	}

}
