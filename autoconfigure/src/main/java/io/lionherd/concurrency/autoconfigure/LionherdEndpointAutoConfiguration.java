package io.lionherd.concurrency.autoconfigure;

import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link AutoConfiguration Auto-configuration} for the {@link LionherdEndpoint lionherd}
 * Actuator endpoint: only with Spring Boot Actuator, and only when the endpoint is
 * available (exposed, as {@code management.endpoints.web.exposure.include} says).
 */
@AutoConfiguration(after = LionherdConcurrencyAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
public final class LionherdEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	@ConditionalOnBean(RateLimiterRegistry.class)
	LionherdEndpoint lionherdEndpoint(RateLimiterRegistry rateLimiterRegistry,
			ObjectProvider<ConcurrencyLimitRegistry> concurrencyLimitRegistry) {
		return new LionherdEndpoint(rateLimiterRegistry,
				concurrencyLimitRegistry.getIfAvailable(ConcurrencyLimitRegistry::new));
	}

}
