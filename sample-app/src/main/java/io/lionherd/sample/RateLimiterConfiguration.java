package io.lionherd.sample;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.RateLimiter;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the sample's {@link RateLimiter} from {@link RateLimiterProperties}. It is created by the
 * auto-configured {@link AsyncUtils} under the name {@value #LIMITER_NAME}, so it shares that
 * instance's clock, timer and executor and its meters are published with {@code name=sample}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RateLimiterProperties.class)
public class RateLimiterConfiguration {

	/** The limiter's name, as it appears in metric tags. */
	public static final String LIMITER_NAME = "sample";

	@Bean
	RateLimiter sampleRateLimiter(AsyncUtils asyncUtils, RateLimiterProperties properties) {
		return asyncUtils.rateLimiter(LIMITER_NAME, properties.maxCalls(), properties.period());
	}

}
