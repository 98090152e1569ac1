package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for waking the waiters of every instance when room frees in a shared window,
 * against a real Redis server: two factories are two instances.
 */
@ExtendWith(RedisServerExtension.class)
class RedisRateLimiterWakeUpTests {

	private static final RateLimiterConfig ONE_PER_30_SECONDS = RateLimiterConfig.of(1, Duration.ofSeconds(30));

	private RedisTestSupport redis;

	private RedisCommands<String, String> commands;

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
	void aGrantHandedBackByOneInstanceWakesTheWaiterOfAnother() {
		RedisRateLimiter a = (RedisRateLimiter) instance(Duration.ofMillis(300)).create("handed-back",
				ONE_PER_30_SECONDS, RateLimiterListener.none());
		RedisRateLimiter b = (RedisRateLimiter) instance(Duration.ofSeconds(30)).create("handed-back",
				ONE_PER_30_SECONDS, RateLimiterListener.none());
		await().atMost(Duration.ofSeconds(10)).until(b::isWokenByHandBacks);
		pauseScripts();
		// A's call is held by the server, and A stops waiting for it.
		assertThat(a.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(false);
		// B's call reaches the server after A's: A's late grant fills the window first.
		CompletableFuture<Void> waiting = b.acquire();
		unpause();
		// A hands its late grant back. Without a wake-up B would sleep until A's removed
		// grant left the window (30 s).
		assertThat(waiting).succeedsWithin(Duration.ofSeconds(5));
		// B's grant alone: A's went back before.
		assertThat(this.commands.zcard(a.key())).isEqualTo(1);
	}

	@Test
	void withoutPubSubAWaiterLooksAgainWithinASecond() {
		RedisClient client = RedisClient.create(this.redis.server.uri());
		try (StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8)) {
			RedisRateLimiter a = (RedisRateLimiter) instance(Duration.ofMillis(300)).create("polled",
					ONE_PER_30_SECONDS, RateLimiterListener.none());
			RedisRateLimiter b = (RedisRateLimiter) this.redis
				.build(RedisRateLimiterFactory.builder(connection)
					.keyPrefix(this.redis.keyPrefix)
					.commandTimeout(Duration.ofSeconds(30)))
				.create("polled", ONE_PER_30_SECONDS, RateLimiterListener.none());
			assertThat(b.isWokenByHandBacks()).isFalse();
			pauseScripts();
			assertThat(a.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(false);
			CompletableFuture<Void> waiting = b.acquire();
			unpause();
			assertThat(waiting).succeedsWithin(Duration.ofSeconds(5));
			assertThat(this.commands.zcard(a.key())).isEqualTo(1);
		}
		finally {
			client.shutdown();
		}
	}

	/**
	 * A factory on a connection of its own, open: its calls reach the server in the order
	 * they are made.
	 */
	private RedisRateLimiterFactory instance(Duration commandTimeout) {
		RedisRateLimiterFactory factory = this.redis.build(this.redis.factory().commandTimeout(commandTimeout));
		RateLimiter warmUp = factory.create("warm-up", RateLimiterConfig.of(100, Duration.ofSeconds(30)),
				RateLimiterListener.none());
		await().atMost(Duration.ofSeconds(10)).until(warmUp::tryAcquire);
		return factory;
	}

	/**
	 * Holds every script call (EVAL and EVALSHA are writes) until {@link #unpause()}, at
	 * most a minute; reads and {@code CLIENT UNPAUSE} go on.
	 */
	private void pauseScripts() {
		RedisTestSupport.pauseWrites(this.commands, 60_000);
	}

	private void unpause() {
		RedisTestSupport.unpause(this.commands);
	}

}
