package io.lionherd.concurrency.autoconfigure;

import java.time.Duration;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.CapacityLimiterProperties;
import io.lionherd.concurrency.capacity.ConcurrencyLimitFactory;
import io.lionherd.concurrency.capacity.redis.RedisConcurrencyLimitFactory;

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
 * {@link AutoConfiguration Auto-configuration} of the Redis backend of the named
 * concurrency limits ({@code lionherd.concurrency.capacity-limiters.<name>.backend:
 * redis}): a {@link CapacityLimiterBackend} on the application's own Redis connection
 * factory (Spring Boot's, configured by {@code spring.data.redis.*}), whose limits share
 * one command connection and one pub/sub connection of its Lettuce client, opened on
 * first use; keys under {@code lionherd.concurrency.redis.capacity-key-prefix}. The
 * command timeout is {@code spring.data.redis.timeout} when set, else 2 s.
 */
@AutoConfiguration(before = LionherdConcurrencyAutoConfiguration.class,
		afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass({ RedisConcurrencyLimitFactory.class, LettuceConnectionFactory.class, DataRedisProperties.class })
@EnableConfigurationProperties(LionherdConcurrencyProperties.class)
public final class LionherdRedisCapacityLimiterAutoConfiguration {

	/** The name of the backend bean. */
	public static final String BACKEND_BEAN_NAME = "lionherdRedisCapacityLimiterBackend";

	@Bean(name = BACKEND_BEAN_NAME)
	@ConditionalOnBean(LettuceConnectionFactory.class)
	@ConditionalOnMissingBean(name = BACKEND_BEAN_NAME)
	RedisCapacityLimiterBackend lionherdRedisCapacityLimiterBackend(LettuceConnectionFactory connectionFactory,
			LionherdConcurrencyProperties properties, ObjectProvider<DataRedisProperties> redisProperties) {
		DataRedisProperties redis = redisProperties.getIfAvailable();
		Duration timeout = (redis != null && redis.getTimeout() != null) ? redis.getTimeout()
				: RedisConcurrencyLimitFactory.DEFAULT_COMMAND_TIMEOUT;
		RedisConcurrencyLimitFactory factory = RedisConcurrencyLimitFactory
			.builder(() -> connect(connectionFactory), () -> subscribe(connectionFactory))
			.keyPrefix(properties.getRedis().getCapacityKeyPrefix())
			.commandTimeout(timeout)
			.build();
		int phase = connectionFactory.getPhase();
		// Stops before the connection factory (higher phases stop first).
		return new RedisCapacityLimiterBackend(factory, (phase == Integer.MAX_VALUE) ? phase : phase + 1);
	}

	/** A connection of the application's own Lettuce client, Cluster or standalone. */
	private static StatefulConnection<String, String> connect(LettuceConnectionFactory connectionFactory) {
		AbstractRedisClient client = nativeClient(connectionFactory);
		if (client instanceof RedisClusterClient cluster) {
			return cluster.connect(StringCodec.UTF8);
		}
		return ((RedisClient) client).connect(StringCodec.UTF8);
	}

	/** A pub/sub connection of the application's own Lettuce client. */
	private static StatefulRedisPubSubConnection<String, String> subscribe(LettuceConnectionFactory connectionFactory) {
		AbstractRedisClient client = nativeClient(connectionFactory);
		if (client instanceof RedisClusterClient cluster) {
			return cluster.connectPubSub(StringCodec.UTF8);
		}
		return ((RedisClient) client).connectPubSub(StringCodec.UTF8);
	}

	private static AbstractRedisClient nativeClient(LettuceConnectionFactory connectionFactory) {
		if (!connectionFactory.isRunning()) {
			connectionFactory.start();
		}
		AbstractRedisClient client = connectionFactory.getNativeClient();
		if (client instanceof RedisClusterClient || client instanceof RedisClient) {
			return client;
		}
		throw new IllegalStateException("Unsupported Lettuce client " + client);
	}

	/**
	 * The Redis backend: one factory, its connections, one failure mode per limit. Its
	 * connections come from the connection factory's client, which that factory shuts
	 * down when the context stops: so they are closed just before (a lifecycle phase
	 * above the connection factory's) and opened again on the next use after a restart.
	 */
	static final class RedisCapacityLimiterBackend implements CapacityLimiterBackend, SmartLifecycle, DisposableBean {

		private final RedisConcurrencyLimitFactory factory;

		private final int phase;

		private volatile boolean running;

		RedisCapacityLimiterBackend(RedisConcurrencyLimitFactory factory, int phase) {
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
		public ConcurrencyLimitFactory factory(String limitName, CapacityLimiterProperties properties) {
			return this.factory.withOnBackendFailure(properties.getOnBackendFailure());
		}

		RedisConcurrencyLimitFactory redisConcurrencyLimitFactory() {
			return this.factory;
		}

		@Override
		public void destroy() {
			this.factory.close();
		}

	}

}
