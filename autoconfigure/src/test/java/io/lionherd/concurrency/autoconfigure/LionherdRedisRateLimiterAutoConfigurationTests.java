package io.lionherd.concurrency.autoconfigure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import io.lionherd.concurrency.ratelimit.redis.RedisRateLimiter;
import io.lionherd.concurrency.ratelimit.redis.RedisRateLimiterFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LionherdRedisRateLimiterAutoConfiguration} and the limiters of
 * {@code backend: redis}, against a real Redis server (the embedded-redis binary).
 */
class LionherdRedisRateLimiterAutoConfigurationTests {

	private static RedisServer server;

	private static int port;

	/**
	 * A command timeout long enough for a cold first connection on a loaded machine, in
	 * tests whose server answers: there a 2 s timeout would read as an outage.
	 */
	private static final String ANSWERED_UNDER_LOAD = "spring.data.redis.timeout=10s";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, DataRedisAutoConfiguration.class,
				LionherdRedisRateLimiterAutoConfiguration.class, LionherdConcurrencyAutoConfiguration.class));

	@BeforeAll
	static void startRedis() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = socket.getLocalPort();
		}
		server = RedisServer.newRedisServer()
			.bind("127.0.0.1")
			.port(port)
			.setting("save \"\"")
			.setting("appendonly no")
			.build();
		server.start();
	}

	@AfterAll
	static void stopRedis() throws IOException {
		server.stop();
	}

	@Test
	void redisBackendLimitersShareTheApplicationsRedisConnection() {
		this.contextRunner
			.withPropertyValues("spring.data.redis.port=" + port, ANSWERED_UNDER_LOAD,
					"lionherd.concurrency.redis.key-prefix=autoconfig:",
					"lionherd.concurrency.rate-limiters.shared.max-calls=2",
					"lionherd.concurrency.rate-limiters.shared.period=1h",
					"lionherd.concurrency.rate-limiters.shared.backend=redis",
					"lionherd.concurrency.rate-limiters.local.max-calls=2")
			.run((context) -> {
				RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
				RateLimiter shared = registry.get("shared");
				assertThat(shared).isInstanceOf(RedisRateLimiter.class);
				assertThat(shared.backend()).isEqualTo("redis");
				assertThat(((RedisRateLimiter) shared).redisKey()).isEqualTo("autoconfig:{shared}");
				assertThat(((RedisRateLimiter) shared).onBackendFailure()).isEqualTo(OnBackendFailure.FAIL);
				assertThat(registry.get("local").backend()).isEqualTo("local");
				assertThat(shared.tryAcquire()).isTrue();
				assertThat(shared.tryAcquire()).isTrue();
				assertThat(shared.tryAcquire()).isFalse();
				// A second instance of the application shares the window.
				this.contextRunner
					.withPropertyValues("spring.data.redis.port=" + port, ANSWERED_UNDER_LOAD,
							"lionherd.concurrency.redis.key-prefix=autoconfig:",
							"lionherd.concurrency.rate-limiters.shared.max-calls=2",
							"lionherd.concurrency.rate-limiters.shared.period=1h",
							"lionherd.concurrency.rate-limiters.shared.backend=redis")
					.run((other) -> assertThat(other.getBean(RateLimiterRegistry.class).get("shared").tryAcquire())
						.isFalse());
			});
	}

	@Test
	void onBackendFailureAndTheCommandTimeoutComeFromTheProperties() {
		this.contextRunner
			.withPropertyValues("spring.data.redis.port=" + port, "spring.data.redis.timeout=750ms",
					"lionherd.concurrency.rate-limiters.open.backend=redis",
					"lionherd.concurrency.rate-limiters.open.on-backend-failure=allow")
			.run((context) -> {
				RedisRateLimiter open = (RedisRateLimiter) context.getBean(RateLimiterRegistry.class).get("open");
				assertThat(open.onBackendFailure()).isEqualTo(OnBackendFailure.ALLOW);
				assertThat(open.redisKey()).isEqualTo("lionherd:ratelimiter:{open}");
				assertThat(context.getBean(LionherdRedisRateLimiterAutoConfiguration.RedisRateLimiterBackend.class)
					.redisRateLimiterFactory()
					.commandTimeout()).isEqualTo(Duration.ofMillis(750));
			});
	}

	@Test
	void withoutAServerTheApplicationStartsAndTheLimiterFailsClosed() {
		this.contextRunner
			.withPropertyValues("spring.data.redis.port=1", "spring.data.redis.timeout=300ms",
					"lionherd.concurrency.rate-limiters.down.backend=redis")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				RateLimiter down = context.getBean(RateLimiterRegistry.class).get("down");
				assertThat(down.tryAcquire()).isFalse();
			});
	}

	@Test
	void healthIsDownWhileTheRedisServerIsUnreachableAndTheEndpointSaysRedis() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(LionherdHealthAutoConfiguration.class,
					LionherdEndpointAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.port=1", "spring.data.redis.timeout=300ms",
					"lionherd.concurrency.rate-limiters.down.backend=redis",
					"management.endpoints.web.exposure.include=lionherd")
			.run((context) -> {
				RateLimiter down = context.getBean(RateLimiterRegistry.class).get("down");
				assertThat(down.tryAcquire()).isFalse();
				Health health = context.getBean(LionherdHealthIndicator.class).health();
				assertThat(health.getStatus()).isEqualTo(Status.DOWN);
				assertThat(context.getBean(LionherdEndpoint.class).rateLimiter("down").backend()).isEqualTo("redis");
			});
	}

	@Test
	void healthIsUpWhileTheRedisServerAnswers() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(LionherdHealthAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.port=" + port, ANSWERED_UNDER_LOAD,
					"lionherd.concurrency.rate-limiters.up.backend=redis")
			.run((context) -> {
				assertThat(context.getBean(RateLimiterRegistry.class).get("up").tryAcquire()).isTrue();
				assertThat(context.getBean(LionherdHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
			});
	}

	@Test
	void limitersConnectionIsClosedBeforeTheConnectionFactoryShutsItsClientDown() {
		ListAppender<ILoggingEvent> lettuceWarnings = new ListAppender<>();
		Logger lettuce = (Logger) LoggerFactory.getLogger("io.lettuce.core");
		lettuceWarnings.start();
		lettuce.addAppender(lettuceWarnings);
		try {
			this.contextRunner
				.withPropertyValues("spring.data.redis.port=" + port, ANSWERED_UNDER_LOAD,
						"lionherd.concurrency.rate-limiters.closing.backend=redis")
				.run((context) -> assertThat(context.getBean(RateLimiterRegistry.class).get("closing").tryAcquire())
					.isTrue());
		}
		finally {
			lettuce.detachAppender(lettuceWarnings);
		}
		// Closed after the client had closed it,
		// Lettuce warns "Connection is already closed".
		assertThat(lettuceWarnings.list).filteredOn((event) -> event.getLevel().isGreaterOrEqual(Level.WARN))
			.extracting(ILoggingEvent::getFormattedMessage)
			.isEmpty();
	}

	@Test
	void limitersWorkAgainAfterTheContextIsStoppedAndStarted() {
		this.contextRunner
			.withPropertyValues("spring.data.redis.port=" + port, ANSWERED_UNDER_LOAD,
					"lionherd.concurrency.rate-limiters.restarted.backend=redis",
					"lionherd.concurrency.rate-limiters.restarted.max-calls=5",
					"lionherd.concurrency.rate-limiters.restarted.period=10s")
			.run((context) -> {
				RateLimiter limiter = context.getBean(RateLimiterRegistry.class).get("restarted");
				assertThat(limiter.tryAcquire()).isTrue();
				ConfigurableApplicationContext source = context
					.getSourceApplicationContext(ConfigurableApplicationContext.class);

				source.stop();
				source.start();

				assertThat(limiter.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
			});
	}

	@Test
	void redisBackendWithoutARedisConnectionStopsStartupNamingTheProperty() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class,
					LionherdRedisRateLimiterAutoConfiguration.class, LionherdConcurrencyAutoConfiguration.class))
			.withPropertyValues("lionherd.concurrency.rate-limiters.shared.backend=redis")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("lionherd.concurrency.rate-limiters.shared.backend"));
	}

	@Test
	void redisBackendWithoutTheRedisModuleStopsStartupNamingTheProperty() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(RedisRateLimiterFactory.class))
			.withPropertyValues("spring.data.redis.port=" + port, ANSWERED_UNDER_LOAD,
					"lionherd.concurrency.rate-limiters.shared.backend=redis")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("lionherd.concurrency.rate-limiters.shared.backend")
				.hasMessageContaining("lionherd-concurrency-redis"));
	}

	@Test
	void unknownBackendStopsStartupNamingThePropertyAndTheKnownBackends() {
		this.contextRunner
			.withPropertyValues("spring.data.redis.port=" + port,
					"lionherd.concurrency.rate-limiters.shared.backend=memcached")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("lionherd.concurrency.rate-limiters.shared.backend")
				.hasMessageContaining("memcached")
				.hasMessageContaining("backend must be one of [local, redis]"));
	}

	@Test
	void blankKeyPrefixStopsStartupNamingTheProperty() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.redis.key-prefix= ")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("lionherd.concurrency.redis.key-prefix"));
	}

}
