package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;

import io.lettuce.core.api.sync.RedisCommands;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterBackendException;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for instances that define one shared limiter differently, against a real Redis
 * server: two factories are two instances.
 */
@ExtendWith(RedisServerExtension.class)
class RedisRateLimiterDefinitionTests {

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
	void anInstanceWithAnotherDefinitionIsRefusedNamingTheLimiterBothDefinitionsAndTheWayOut() {
		RateLimiter a = limiter(OnBackendFailure.FAIL, 5, Duration.ofMinutes(1));
		RateLimiter b = limiter(OnBackendFailure.FAIL, 5, Duration.ofSeconds(1));
		for (int i = 0; i < 5; i++) {
			assertThat(a.tryAcquire()).isTrue();
		}
		assertThat(b.acquire()).failsWithin(Duration.ofSeconds(10))
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(RateLimiterBackendException.class)
			.withMessageContaining("'shared'")
			.withMessageContaining("limits=[5 permits per PT1M]")
			.withMessageContaining("limits=[5 permits per PT1S]")
			.withMessageContaining("new name")
			.withMessageContaining(((RedisRateLimiter) a).redisKey() + ":def");
		assertThat(b.tryAcquire()).isFalse();
		// A's window is as A left it: full, for a minute.
		assertThat(this.commands.zcard(((RedisRateLimiter) a).redisKey())).isEqualTo(5);
		assertThat(this.commands.pttl(((RedisRateLimiter) a).redisKey())).isGreaterThan(50_000L);
		assertThat(a.tryAcquire()).isFalse();
	}

	@Test
	void allowModeRefusesAnotherDefinitionToo() {
		RateLimiter a = limiter(OnBackendFailure.FAIL, 5, Duration.ofMinutes(1));
		RateLimiter b = limiter(OnBackendFailure.ALLOW, 5, Duration.ofSeconds(1));
		assertThat(a.tryAcquire()).isTrue();
		assertThat(b.tryAcquire()).isFalse();
		assertThat(b.acquire()).failsWithin(Duration.ofSeconds(10))
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(RateLimiterBackendException.class);
		assertThat(this.commands.zcard(((RedisRateLimiter) a).redisKey())).isEqualTo(1);
	}

	@Test
	void deletingTheDefinitionOnceEveryInstanceIsUpdatedLetsTheNewDefinitionIn() {
		RateLimiter old = limiter(OnBackendFailure.FAIL, 5, Duration.ofMinutes(1));
		RateLimiter updated = limiter(OnBackendFailure.FAIL, 10, Duration.ofMinutes(1));
		assertThat(old.tryAcquire()).isTrue();
		assertThat(updated.tryAcquire()).isFalse();
		this.commands.del(((RedisRateLimiter) old).redisKey() + ":def");
		assertThat(updated.tryAcquire()).isTrue();
		// The grant of the old definition still counts in the new one's window.
		assertThat(this.commands.zcard(((RedisRateLimiter) updated).redisKey())).isEqualTo(2);
		assertThat(old.tryAcquire()).isFalse();
	}

	/** A limiter named {@code shared} on a factory (an instance) of its own. */
	private RateLimiter limiter(OnBackendFailure onBackendFailure, int maxCalls, Duration period) {
		RedisRateLimiterFactory factory = this.redis.build(this.redis.factory().onBackendFailure(onBackendFailure));
		return factory.create("shared", RateLimiterConfig.of(maxCalls, period), RateLimiterListener.none());
	}

}
