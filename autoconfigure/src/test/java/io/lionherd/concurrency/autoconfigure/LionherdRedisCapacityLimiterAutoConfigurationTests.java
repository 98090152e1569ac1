package io.lionherd.concurrency.autoconfigure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.CapacityLimiterProperties;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitExceededException;
import io.lionherd.concurrency.capacity.ConcurrencyLimitListener;
import io.lionherd.concurrency.capacity.redis.RedisConcurrencyLimitFactory;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LionherdRedisCapacityLimiterAutoConfiguration}: the Redis backend of
 * the named concurrency limits, against a real Redis server (the embedded-redis binary).
 */
class LionherdRedisCapacityLimiterAutoConfigurationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	/**
	 * A command timeout long enough for a cold first connection on a loaded machine, in
	 * tests whose server answers.
	 */
	private static final String ANSWERED_UNDER_LOAD = "spring.data.redis.timeout=10s";

	private static RedisServer server;

	private static int port;

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
				LionherdRedisCapacityLimiterAutoConfiguration.class));

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
	void theRedisBackendsLimitsAreSharedByEveryInstanceOfTheApplication() {
		String[] properties = { "spring.data.redis.port=" + port, ANSWERED_UNDER_LOAD,
				"lionherd.concurrency.redis.capacity-key-prefix=autoconfig-capacity:" };
		this.contextRunner.withPropertyValues(properties).run((context) -> {
			CapacityLimiterBackend backend = backend(context);
			assertThat(backend.name()).isEqualTo("redis");
			ConcurrencyLimit limit = limit(backend, "shared", OnBackendFailure.FAIL);
			assertThat(limit.backend()).isEqualTo("redis");
			CapacityLimiter.Permit permit = limit.acquire().get(WAIT.toSeconds(), TimeUnit.SECONDS);
			// A second instance of the application: refused, then woken by the release.
			this.contextRunner.withPropertyValues(properties).run((other) -> {
				ConcurrencyLimit elsewhere = limit(backend(other), "shared", OnBackendFailure.FAIL);
				assertThat(elsewhere.acquire(Duration.ZERO)).failsWithin(WAIT)
					.withThrowableOfType(ExecutionException.class)
					.withCauseInstanceOf(ConcurrencyLimitExceededException.class);
				CompletableFuture<CapacityLimiter.Permit> waiting = elsewhere.acquire();
				permit.close();
				assertThat(waiting).succeedsWithin(WAIT);
			});
		});
	}

	@Test
	void keyPrefixCommandTimeoutAndOnBackendFailureComeFromTheProperties() {
		this.contextRunner.withPropertyValues("spring.data.redis.port=" + port, "spring.data.redis.timeout=750ms")
			.run((context) -> {
				LionherdRedisCapacityLimiterAutoConfiguration.RedisCapacityLimiterBackend backend = context.getBean(
						LionherdRedisCapacityLimiterAutoConfiguration.BACKEND_BEAN_NAME,
						LionherdRedisCapacityLimiterAutoConfiguration.RedisCapacityLimiterBackend.class);
				RedisConcurrencyLimitFactory factory = backend.redisConcurrencyLimitFactory();
				assertThat(factory.commandTimeout()).isEqualTo(Duration.ofMillis(750));
				CapacityLimiterProperties allow = properties(OnBackendFailure.ALLOW);
				assertThat(((RedisConcurrencyLimitFactory) backend.factory("open", allow)).onBackendFailure())
					.isEqualTo(OnBackendFailure.ALLOW);
				assertThat(((RedisConcurrencyLimitFactory) backend.factory("closed", properties(OnBackendFailure.FAIL)))
					.onBackendFailure()).isEqualTo(OnBackendFailure.FAIL);
				assertThat(context.getBean(LionherdConcurrencyProperties.class).getRedis().getCapacityKeyPrefix())
					.isEqualTo(RedisConcurrencyLimitFactory.DEFAULT_KEY_PREFIX);
			});
	}

	@Test
	void backsOffWithoutTheRedisModule() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(RedisConcurrencyLimitFactory.class))
			.withPropertyValues("spring.data.redis.port=" + port)
			.run((context) -> assertThat(context).doesNotHaveBean(CapacityLimiterBackend.class));
	}

	@Test
	void backsOffWithoutALettuceConnectionFactory() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LionherdRedisCapacityLimiterAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(CapacityLimiterBackend.class));
	}

	@Test
	void itsConnectionsAreClosedBeforeTheConnectionFactoryShutsItsClientDown() {
		ListAppender<ILoggingEvent> lettuceWarnings = new ListAppender<>();
		Logger lettuce = (Logger) LoggerFactory.getLogger("io.lettuce.core");
		lettuceWarnings.start();
		lettuce.addAppender(lettuceWarnings);
		try {
			this.contextRunner.withPropertyValues("spring.data.redis.port=" + port, ANSWERED_UNDER_LOAD)
				.run((context) -> assertThat(limit(backend(context), "closing", OnBackendFailure.FAIL).acquire())
					.succeedsWithin(WAIT)
					.satisfies(CapacityLimiter.Permit::close));
		}
		finally {
			lettuce.detachAppender(lettuceWarnings);
		}
		assertThat(lettuceWarnings.list).filteredOn((event) -> event.getLevel().isGreaterOrEqual(Level.WARN))
			.extracting(ILoggingEvent::getFormattedMessage)
			.isEmpty();
	}

	private static CapacityLimiterBackend backend(ApplicationContext context) {
		return context.getBean(LionherdRedisCapacityLimiterAutoConfiguration.BACKEND_BEAN_NAME,
				CapacityLimiterBackend.class);
	}

	private static ConcurrencyLimit limit(CapacityLimiterBackend backend, String name, OnBackendFailure mode) {
		CapacityLimiterProperties properties = properties(mode);
		return backend.factory(name, properties).create(name, properties.toConfig(), ConcurrencyLimitListener.none());
	}

	private static CapacityLimiterProperties properties(OnBackendFailure mode) {
		CapacityLimiterProperties properties = new CapacityLimiterProperties();
		properties.setTotal(1);
		properties.setBackend("redis");
		properties.setOnBackendFailure(mode);
		return properties;
	}

}
