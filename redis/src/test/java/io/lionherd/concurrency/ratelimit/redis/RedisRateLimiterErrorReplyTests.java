package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.CommandType;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterBackendException;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RedisRateLimiter} when Redis answers with an error reply (a wrong type at the
 * key, a command the user may not run): the server is reachable but cannot decide, so the
 * limiter refuses, in {@code allow} mode too, and says why once. A server of its own: the
 * tests change its users.
 */
class RedisRateLimiterErrorReplyTests {

	private static final String NOT_A_SORTED_SET = "not a sorted set";

	private static RedisServerProcess server;

	private RedisTestSupport redis;

	private RedisCommands<String, String> commands;

	private final Events events = new Events();

	private final ListAppender<ILoggingEvent> log = new ListAppender<>();

	private final Logger logger = (Logger) LoggerFactory.getLogger(RedisRateLimiter.class);

	@BeforeAll
	static void startServer() {
		server = RedisServerProcess.start();
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@BeforeEach
	void setUp() {
		this.redis = new RedisTestSupport(server);
		this.commands = this.redis.redis();
		this.log.start();
		this.logger.addAppender(this.log);
	}

	@AfterEach
	void tearDown() throws Exception {
		this.logger.detachAppender(this.log);
		this.redis.close();
	}

	@Test
	void aWrongTypeAtTheKeyRefusesEveryTryInAllowMode() {
		RedisRateLimiter limiter = limiter(this.redis.factory(), "wrongtype-tries", OnBackendFailure.ALLOW);
		this.commands.set(limiter.redisKey(), NOT_A_SORTED_SET);
		int granted = 0;
		for (int i = 0; i < 100; i++) {
			if (limiter.tryAcquire()) {
				granted++;
			}
		}
		assertThat(granted).isZero();
		assertThat(this.events.rejected.get()).isEqualTo(100);
		assertThat(this.events.backendErrors.get()).isEqualTo(100);
	}

	@Test
	void aWrongTypeAtTheKeyFailsAcquireInAllowModeNamingTheLimiterTheKeyAndTheServersError() {
		RedisRateLimiter limiter = limiter(this.redis.factory(), "wrongtype-acquire", OnBackendFailure.ALLOW);
		this.commands.set(limiter.redisKey(), NOT_A_SORTED_SET);
		assertThat(limiter.acquire()).failsWithin(Duration.ofSeconds(30))
			.withThrowableOfType(ExecutionException.class)
			.havingCause()
			.isInstanceOf(RateLimiterBackendException.class)
			.withMessageContaining("'wrongtype-acquire'")
			.withMessageContaining(limiter.redisKey())
			.withMessageContaining("WRONGTYPE");
	}

	@Test
	void aWrongTypeAtTheKeyFailsAnImmediateAcquireInAllowMode() {
		RedisRateLimiter limiter = limiter(this.redis.factory(), "wrongtype-now", OnBackendFailure.ALLOW);
		this.commands.set(limiter.redisKey(), NOT_A_SORTED_SET);
		assertThat(limiter.acquire(Duration.ZERO)).failsWithin(Duration.ofSeconds(30))
			.withThrowableOfType(ExecutionException.class)
			.havingCause()
			.isInstanceOf(RateLimiterBackendException.class)
			.withMessageContaining("WRONGTYPE");
	}

	@Test
	void aWrongTypeAtTheKeyRefusesTriesThatArriveTogetherInAllowMode() {
		RedisRateLimiter limiter = limiter(this.redis.factory(), "wrongtype-batch", OnBackendFailure.ALLOW);
		this.commands.set(limiter.redisKey(), NOT_A_SORTED_SET);
		List<Boolean> answers = IntStream.range(0, 50)
			.mapToObj((i) -> limiter.tryAcquireAsync())
			.toList()
			.stream()
			.map(CompletableFuture::join)
			.toList();
		assertThat(answers).hasSize(50).containsOnly(false);
	}

	@Test
	void anErrorReplyLeavesTheBackendReachable() {
		RedisRateLimiter limiter = limiter(this.redis.factory(), "wrongtype-health", OnBackendFailure.FAIL);
		this.commands.set(limiter.redisKey(), NOT_A_SORTED_SET);
		for (int i = 0; i < 20; i++) {
			assertThat(limiter.tryAcquire()).isFalse();
			assertThat(limiter.isBackendReachable()).as("reachable after error reply %d", i).isTrue();
		}
	}

	@Test
	void anErrorReplyLeavesNoPermitAvailable() {
		RedisRateLimiter limiter = limiter(this.redis.factory(), "wrongtype-available", OnBackendFailure.ALLOW);
		this.commands.set(limiter.redisKey(), NOT_A_SORTED_SET);
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(limiter.availablePermits()).isZero();
	}

	@Test
	void anErrorReplyIsLoggedOnceUntilTheLimiterDecidesAgain() {
		RedisRateLimiter limiter = limiter(this.redis.factory(), "wrongtype-log", OnBackendFailure.FAIL);
		this.commands.set(limiter.redisKey(), NOT_A_SORTED_SET);
		for (int i = 0; i < 20; i++) {
			assertThat(limiter.tryAcquire()).isFalse();
			assertThat(limiter.acquire()).failsWithin(Duration.ofSeconds(30));
		}
		assertThat(warnings()).singleElement()
			.satisfies((warning) -> assertThat(warning).contains("'wrongtype-log'", limiter.redisKey(), "WRONGTYPE"));
		this.commands.del(limiter.redisKey());
		assertThat(limiter.tryAcquire()).isTrue();
		this.commands.set(limiter.redisKey(), NOT_A_SORTED_SET);
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(warnings()).hasSize(2);
	}

	@Test
	void aCommandTheUserMayNotRunRefusesInAllowModeAndLeavesTheBackendReachable() {
		this.commands.aclSetuser("no-scripts",
				AclSetuserArgs.Builder.on()
					.addPassword("secret")
					.allKeys()
					.allCommands()
					.removeCommand(CommandType.EVAL)
					.removeCommand(CommandType.EVALSHA));
		try {
			RedisClient client = RedisClient.create("redis://no-scripts:secret@127.0.0.1:" + server.port());
			RedisRateLimiterFactory.Builder builder = RedisRateLimiterFactory.builder(client)
				.keyPrefix(this.redis.keyPrefix);
			RedisRateLimiter limiter = limiter(builder, "noperm", OnBackendFailure.ALLOW);
			try {
				assertThat(limiter.tryAcquire()).isFalse();
				assertThat(limiter.acquire()).failsWithin(Duration.ofSeconds(30))
					.withThrowableOfType(ExecutionException.class)
					.havingCause()
					.isInstanceOf(RateLimiterBackendException.class)
					.withMessageContaining("NOPERM");
				assertThat(limiter.isBackendReachable()).isTrue();
			}
			finally {
				client.shutdown();
			}
		}
		finally {
			this.commands.aclDeluser("no-scripts");
		}
	}

	private List<String> warnings() {
		return this.log.list.stream()
			.filter((event) -> event.getLevel() == Level.WARN)
			.map(ILoggingEvent::getFormattedMessage)
			.toList();
	}

	private RedisRateLimiter limiter(RedisRateLimiterFactory.Builder builder, String name,
			OnBackendFailure onBackendFailure) {
		RedisRateLimiterFactory factory = this.redis
			.build(builder.commandTimeout(Duration.ofSeconds(2)).onBackendFailure(onBackendFailure));
		return (RedisRateLimiter) factory.create(name, RateLimiterConfig.of(3, Duration.ofMinutes(1)), this.events);
	}

	private static final class Events implements RateLimiterListener {

		final AtomicInteger rejected = new AtomicInteger();

		final AtomicInteger backendErrors = new AtomicInteger();

		@Override
		public void rejected(RateLimiter limiter) {
			this.rejected.incrementAndGet();
		}

		@Override
		public void backendError(RateLimiter limiter, Throwable error) {
			this.backendErrors.incrementAndGet();
		}

	}

}
