package io.lionherd.concurrency.autoconfigure;

import io.lionherd.concurrency.ratelimit.RateLimiterFactory;

/**
 * A distributed backend of the named rate limiters, as a bean: the auto-configured
 * {@code RateLimiterRegistry} creates each limiter whose
 * {@code lionherd.concurrency.rate-limiters.<name>.backend} is {@link #name()} (ignoring
 * case) with the factory it gives, asked once per limiter at startup; a name no backend
 * bean has, other than {@code local}, stops startup listing the names there are. The
 * Redis one comes from {@link LionherdRedisRateLimiterAutoConfiguration}.
 */
public interface RateLimiterBackend {

	/**
	 * The backend's name, as the {@code backend} property spells it; not {@code local},
	 * which names the in-memory limiters.
	 * @return e.g. {@code "redis"}
	 */
	String name();

	/**
	 * The factory of one limiter.
	 * @param limiterName the limiter's name
	 * @param properties its properties
	 * @return the factory that creates it
	 */
	RateLimiterFactory factory(String limiterName, LionherdConcurrencyProperties.RateLimiterProperties properties);

}
