package io.lionherd.concurrency.autoconfigure;

import java.time.Duration;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.StringCodec;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.RateLimiterProperties;
import io.lionherd.concurrency.ratelimit.RateLimiterFactory;
import io.lionherd.concurrency.ratelimit.redis.RedisRateLimiterFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * {@link AutoConfiguration Auto-configuration} of the Redis backend of the named rate
 * limiters ({@code backend: redis}): a {@link RateLimiterBackend} on the application's
 * own Redis connection factory (Spring Boot's, configured by {@code spring.data.redis.*};
 * never a second place for host, port, password or TLS), whose limiters share one
 * connection of its Lettuce client, opened on first use (and a pub/sub connection on
 * which hand-backs of other instances wake waiters). The command timeout is
 * {@code spring.data.redis.timeout} when set, else 2 s.
 */
@AutoConfiguration(before = LionherdConcurrencyAutoConfiguration.class,
		afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass({ RedisRateLimiterFactory.class, LettuceConnectionFactory.class, DataRedisProperties.class })
@EnableConfigurationProperties(LionherdConcurrencyProperties.class)
public final class LionherdRedisRateLimiterAutoConfiguration {

	/** The name of the backend bean. */
	public static final String BACKEND_BEAN_NAME = "lionherdRedisRateLimiterBackend";

	@Bean(name = BACKEND_BEAN_NAME)
	@ConditionalOnBean(LettuceConnectionFactory.class)
	@ConditionalOnMissingBean(name = BACKEND_BEAN_NAME)
	RedisRateLimiterBackend lionherdRedisRateLimiterBackend(LettuceConnectionFactory connectionFactory,
			LionherdConcurrencyProperties properties, ObjectProvider<DataRedisProperties> redisProperties) {
		DataRedisProperties redis = redisProperties.getIfAvailable();
		Duration timeout = (redis != null && redis.getTimeout() != null) ? redis.getTimeout()
				: RedisRateLimiterFactory.DEFAULT_COMMAND_TIMEOUT;
		RedisRateLimiterFactory factory = RedisRateLimiterFactory.builder(() -> connect(connectionFactory))
			.keyPrefix(properties.getRedis().getKeyPrefix())
			.commandTimeout(timeout)
			.build();
		return new RedisRateLimiterBackend(factory, stopPhaseBefore(connectionFactory.getPhase()));
	}

	/**
	 * A lifecycle phase that stops before the given one (higher phases stop first).
	 */
	private static int stopPhaseBefore(int phase) {
		return (phase == Integer.MAX_VALUE) ? phase : phase + 1;
	}

	/** A connection of the application's own Lettuce client, Cluster or standalone. */
	private static StatefulConnection<String, String> connect(LettuceConnectionFactory connectionFactory) {
		if (!connectionFactory.isRunning()) {
			connectionFactory.start();
		}
		AbstractRedisClient client = connectionFactory.getNativeClient();
		if (client instanceof RedisClusterClient cluster) {
			return cluster.connect(StringCodec.UTF8);
		}
		if (client instanceof RedisClient standalone) {
			return standalone.connect(StringCodec.UTF8);
		}
		throw new IllegalStateException("Unsupported Lettuce client " + client);
	}

	/**
	 * The Redis backend: one factory, one connection, one failure mode per limiter. Its
	 * connection comes from the connection factory's client, which that factory shuts
	 * down when the context stops: so it is closed just before (a lifecycle phase above
	 * the connection factory's) and opened again on the next use after a restart.
	 */
	static final class RedisRateLimiterBackend implements RateLimiterBackend, SmartLifecycle, DisposableBean {

		private final RedisRateLimiterFactory factory;

		private final int phase;

		private volatile boolean running;

		RedisRateLimiterBackend(RedisRateLimiterFactory factory, int phase) {
			this.factory = factory;
			this.phase = phase;
		}

		@Override
		public void start() {
			this.running = true;
		}

		@Override
		public void stop() {
			this.running = false;
			this.factory.disconnect();
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return this.phase;
		}

		@Override
		public String name() {
			return "redis";
		}

		@Override
		public RateLimiterFactory factory(String limiterName, RateLimiterProperties properties) {
			return this.factory.withOnBackendFailure(properties.getOnBackendFailure());
		}

		RedisRateLimiterFactory redisRateLimiterFactory() {
			return this.factory;
		}

		@Override
		public void destroy() {
			this.factory.close();
		}

	}

}
