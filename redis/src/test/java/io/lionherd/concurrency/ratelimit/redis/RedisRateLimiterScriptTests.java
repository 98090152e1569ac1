package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the sliding-window script's limits (Lua's stack, the key's expiry, older
 * servers), against a real Redis server.
 */
@ExtendWith(RedisServerExtension.class)
class RedisRateLimiterScriptTests {

	private RedisTestSupport redis;

	private RedisCommands<String, String> commands;

	private final Events events = new Events();

	@BeforeEach
	void setUp(RedisServerProcess server) {
		this.redis = new RedisTestSupport(server);
		this.commands = this.redis.redis();
	}

	@AfterEach
	void tearDown() throws Exception {
		// The server is shared: never leave it paused, even after a failure.
		unpause();
		this.redis.close();
	}

	@Test
	void aBurstOfTriesHeldByTheServerIsGrantedInFullAndRecordedInTheWindow() {
		RedisRateLimiter limiter = limiter(OnBackendFailure.FAIL, "burst");
		assertThat(limiter.tryAcquire()).isTrue();
		List<CompletableFuture<Boolean>> tries = burstWhilePaused(limiter, 5_000);
		assertThat(tries).allSatisfy((attempt) -> assertThat(attempt).isCompletedWithValue(true));
		assertThat(this.commands.zcard(limiter.redisKey())).isEqualTo(5_001);
		assertThat(this.events.backendErrors.get()).isZero();
		assertThat(limiter.isBackendReachable()).isTrue();
	}

	@Test
	void aBurstOfTriesInAllowModeIsDecidedByTheServerNotAllowedAsAnOutage() {
		RedisRateLimiter limiter = limiter(OnBackendFailure.ALLOW, "allow-burst");
		assertThat(limiter.tryAcquire()).isTrue();
		List<CompletableFuture<Boolean>> tries = burstWhilePaused(limiter, 5_000);
		assertThat(tries).allSatisfy((attempt) -> assertThat(attempt).isCompletedWithValue(true));
		assertThat(this.commands.zcard(limiter.redisKey())).isEqualTo(5_001);
		assertThat(this.events.backendErrors.get()).isZero();
	}

	@Test
	void theScriptDecidesMoreRequestsInOneCallThanLuaCanUnpack() {
		Layout layout = new Layout(this.redis.keyPrefix + "{script}",
				List.of(Limit.permits(20_000, Duration.ofMinutes(1))));
		List<String> args = new ArrayList<>(List.of(layout.definition, "token"));
		args.addAll(List.of(layout.limitArgs));
		for (int i = 0; i < 10_000; i++) {
			args.add("1");
			args.add("-2");
		}
		List<Object> reply = this.commands.eval(WindowScript.slidingWindow().text(), ScriptOutputType.MULTI,
				layout.scriptKeys, args.toArray(String[]::new));
		assertThat(reply).hasSize(Decision.FIXED + 2 * 10_000);
		assertThat(this.commands.zcard(layout.key)).isEqualTo(10_000);
		assertThat(this.commands.hget(layout.key + ":sums", "1")).isEqualTo("10000");
	}

	@Test
	void takingBackMoreRequestsThanLuaCanUnpackRemovesThemAllFromEveryLimitAndItsSum() {
		Layout layout = new Layout(this.redis.keyPrefix + "{release}",
				List.of(Limit.calls(20_000, Duration.ofMinutes(1)), Limit.permits(60_000, Duration.ofMinutes(1))));
		List<ScoredValue<String>> calls = new ArrayList<>();
		List<ScoredValue<String>> permits = new ArrayList<>();
		List<String> args = new ArrayList<>(List.of(layout.callFlags));
		for (int i = 0; i < 10_000; i++) {
			calls.add(ScoredValue.just(1, "token:" + (i + 1) + ":1"));
			permits.add(ScoredValue.just(1, "token:" + (i + 1) + ":3"));
			args.add("token:" + (i + 1));
			args.add("3");
		}
		this.commands.zadd(layout.logKey(0), calls.toArray(ScoredValue[]::new));
		this.commands.zadd(layout.logKey(1), permits.toArray(ScoredValue[]::new));
		this.commands.hset(layout.key + ":sums", Map.of("1", "10000", "2", "30000"));
		Long removed = this.commands.eval(WindowScript.RELEASE, ScriptOutputType.INTEGER, layout.releaseKeys,
				args.toArray(String[]::new));
		assertThat(removed).isEqualTo(10_000);
		assertThat(this.commands.zcard(layout.logKey(0))).isZero();
		assertThat(this.commands.zcard(layout.logKey(1))).isZero();
		assertThat(this.commands.hgetall(layout.key + ":sums")).containsEntry("1", "0").containsEntry("2", "0");
	}

	@Test
	void theWindowKeyExpiresAFewMillisecondsAfterTheLatestGrantHasLeftTheWindow() {
		RedisRateLimiter limiter = limiter(OnBackendFailure.FAIL, "slack");
		assertThat(limiter.tryAcquire()).isTrue();
		long granted = this.redis.grantTimes.peek();
		// The server's time and the key's time to live at one instant.
		List<Object> now = this.commands.eval(
				"local t = redis.call('TIME') return {tonumber(t[1]) * 1000000 + tonumber(t[2]), redis.call('PTTL', KEYS[1])}",
				ScriptOutputType.MULTI, new String[] { limiter.redisKey() });
		long expiresMicros = (Long) now.get(0) + (Long) now.get(1) * 1000;
		// PTTL rounds down to the millisecond: a key without slack expires within 1 ms of
		// grant + period.
		assertThat(expiresMicros - granted).isGreaterThanOrEqualTo(60_000_000L + 2_000);
	}

	@Test
	void aSumsKeyTheScriptRecreatesWithoutAGrantExpiresWithTheLog() {
		RedisRateLimiter limiter = (RedisRateLimiter) this.redis.build(this.redis.factory())
			.create("recreated", RateLimiterConfig.of(1, Duration.ofSeconds(60)), this.events);
		assertThat(limiter.tryAcquire()).isTrue();
		String sums = limiter.redisKey() + ":sums";
		// Evicted alone (an allkeys eviction policy), or deleted by hand.
		this.commands.del(sums);
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(this.commands.hget(sums, "1")).isEqualTo("1");
		assertThat(this.commands.pttl(sums)).isBetween(1L, 60_005L);
	}

	@Test
	void theScriptAsksForEffectsReplicationBeforeItsFirstCallWhereTheServerOffersIt() {
		String text = WindowScript.slidingWindow().text();
		int guard = text.indexOf("if redis.replicate_commands then redis.replicate_commands() end");
		assertThat(guard).isNotNegative();
		assertThat(text.indexOf("redis.call(")).isGreaterThan(guard);
	}

	/** Holds the server 2 s while the tries are sent, then waits for every answer. */
	private List<CompletableFuture<Boolean>> burstWhilePaused(RateLimiter limiter, int count) {
		pause(2_000);
		List<CompletableFuture<Boolean>> tries = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			tries.add(limiter.tryAcquireAsync());
		}
		CompletableFuture.allOf(tries.toArray(CompletableFuture[]::new)).join();
		return tries;
	}

	private void pause(int millis) {
		RedisTestSupport.pauseWrites(this.commands, millis);
	}

	private void unpause() {
		RedisTestSupport.unpause(this.commands);
	}

	private RedisRateLimiter limiter(OnBackendFailure onBackendFailure, String name) {
		// A command timeout longer than the pause: the burst is decided by the server.
		RedisRateLimiterFactory factory = this.redis
			.build(this.redis.factory().commandTimeout(Duration.ofSeconds(30)).onBackendFailure(onBackendFailure));
		return (RedisRateLimiter) factory.create(name, RateLimiterConfig.of(10_000, Duration.ofSeconds(60)),
				this.events);
	}

	private static final class Events implements RateLimiterListener {

		final AtomicInteger backendErrors = new AtomicInteger();

		@Override
		public void backendError(RateLimiter limiter, Throwable error) {
			this.backendErrors.incrementAndGet();
		}

	}

}
