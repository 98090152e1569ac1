package io.lionherd.concurrency.autoconfigure;

import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * {@link AutoConfiguration Auto-configuration} for the {@code lionherd} health
 * contributor ({@link LionherdHealthIndicator}): only with Spring Boot's health support
 * (which Actuator brings), and unless {@code management.health.lionherd.enabled} is
 * {@code false}. The bean's name gives the contributor's: {@code lionherdHealthIndicator}
 * is {@code lionherd}, apart from Resilience4j's {@code rateLimiters}.
 */
@AutoConfiguration(after = LionherdConcurrencyAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(RateLimiterRegistry.class)
public final class LionherdHealthAutoConfiguration {

	@Bean
	@ConditionalOnEnabledHealthIndicator("lionherd")
	@ConditionalOnMissingBean(name = "lionherdHealthIndicator")
	LionherdHealthIndicator lionherdHealthIndicator(RateLimiterRegistry rateLimiterRegistry,
			ObjectProvider<ConcurrencyLimitRegistry> concurrencyLimitRegistry) {
		return new LionherdHealthIndicator(rateLimiterRegistry,
				concurrencyLimitRegistry.getIfAvailable(ConcurrencyLimitRegistry::new));
	}

}
