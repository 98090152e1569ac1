package io.lionherd.concurrency.autoconfigure;

import java.time.Duration;

import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.CapacityLimiterProperties;
import io.lionherd.concurrency.capacity.ConcurrencyLimitFactory;
import io.lionherd.concurrency.capacity.redis.RedisConcurrencyLimitFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
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
			.builder(() -> LettuceBackendLifecycle.connect(connectionFactory),
					() -> LettuceBackendLifecycle.connectPubSub(connectionFactory))
			.keyPrefix(properties.getRedis().getCapacityKeyPrefix())
			.commandTimeout(timeout)
			.build();
		return new RedisCapacityLimiterBackend(factory, connectionFactory.getPhase());
	}

	/** The Redis backend: one factory, its connections, one failure mode per limit. */
	static final class RedisCapacityLimiterBackend extends LettuceBackendLifecycle implements CapacityLimiterBackend {

		private final RedisConcurrencyLimitFactory factory;

		RedisCapacityLimiterBackend(RedisConcurrencyLimitFactory factory, int connectionFactoryPhase) {
			super(connectionFactoryPhase);
			this.factory = factory;
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
		void disconnect() {
			this.factory.disconnect();
		}

		@Override
		void close() {
			this.factory.close();
		}

	}

}
