package io.lionherd.concurrency.autoconfigure;

import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * {@link AutoConfiguration Auto-configuration} for the {@code rateLimiters} health
 * contributor ({@link RateLimitersHealthIndicator}): only with Spring Boot's health
 * support (which Actuator brings), and unless
 * {@code management.health.ratelimiters.enabled} is {@code false}.
 */
@AutoConfiguration(after = LionherdConcurrencyAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(RateLimiterRegistry.class)
public final class LionherdRateLimitersHealthAutoConfiguration {

	@Bean
	@ConditionalOnEnabledHealthIndicator("ratelimiters")
	@ConditionalOnMissingBean(name = "rateLimitersHealthIndicator")
	RateLimitersHealthIndicator rateLimitersHealthIndicator(RateLimiterRegistry rateLimiterRegistry) {
		return new RateLimitersHealthIndicator(rateLimiterRegistry);
	}

}
