package io.lionherd.concurrency.autoconfigure;

import java.time.Duration;

import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.RateLimiterProperties;
import io.lionherd.concurrency.ratelimit.RateLimiterFactory;
import io.lionherd.concurrency.ratelimit.redis.RedisRateLimiterFactory;

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
		RedisRateLimiterFactory factory = RedisRateLimiterFactory
			.builder(() -> LettuceBackendLifecycle.connect(connectionFactory))
			.keyPrefix(properties.getRedis().getKeyPrefix())
			.commandTimeout(timeout)
			.build();
		return new RedisRateLimiterBackend(factory, connectionFactory.getPhase());
	}

	/** The Redis backend: one factory, one connection, one failure mode per limiter. */
	static final class RedisRateLimiterBackend extends LettuceBackendLifecycle implements RateLimiterBackend {

		private final RedisRateLimiterFactory factory;

		RedisRateLimiterBackend(RedisRateLimiterFactory factory, int connectionFactoryPhase) {
			super(connectionFactoryPhase);
			this.factory = factory;
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
		void disconnect() {
			this.factory.disconnect();
		}

		@Override
		void close() {
			this.factory.close();
		}

	}

}
