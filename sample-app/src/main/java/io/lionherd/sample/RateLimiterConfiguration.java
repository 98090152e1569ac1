package io.lionherd.sample;

import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Exposes the starter's rate limiter named {@value #LIMITER_NAME} as a
 * {@link RateLimiter} bean. The starter builds it from
 * {@code lionherd.concurrency.rate-limiters.sample.*} (see {@code application.yml}) and
 * rejects invalid values at startup, naming the property; it lives in the auto-configured
 * {@link RateLimiterRegistry}, so its meters are published with {@code name=sample}.
 * Taking it from the registry, rather than building one here, keeps a single owner of the
 * name, and lets a profile swap the backend without touching this class.
 */
@Configuration(proxyBeanMethods = false)
public class RateLimiterConfiguration {

	/**
	 * The limiter's name: its key under {@code lionherd.concurrency.rate-limiters} and
	 * its metric tag.
	 */
	public static final String LIMITER_NAME = "sample";

	@Bean
	RateLimiter sampleRateLimiter(RateLimiterRegistry registry) {
		return registry.get(LIMITER_NAME);
	}

}
