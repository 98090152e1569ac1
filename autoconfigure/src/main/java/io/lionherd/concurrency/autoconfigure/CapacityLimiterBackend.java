package io.lionherd.concurrency.autoconfigure;

import io.lionherd.concurrency.capacity.ConcurrencyLimitFactory;

/**
 * A shared backend of the named concurrency limits, as a bean: the auto-configured
 * {@code ConcurrencyLimitRegistry} creates each limit whose
 * {@code lionherd.concurrency.capacity-limiters.<name>.backend} is {@link #name()}
 * (ignoring case) with the factory it gives, asked once per limit at startup; a name no
 * backend bean has, other than {@code local}, stops startup listing the names there are.
 * The Redis one comes from {@code LionherdRedisCapacityLimiterAutoConfiguration}.
 */
public interface CapacityLimiterBackend {

	/**
	 * The backend's name, as the {@code backend} property spells it; not {@code local},
	 * which names the in-memory limits.
	 * @return e.g. {@code "redis"}
	 */
	String name();

	/**
	 * The factory of one limit.
	 * @param limitName the limit's name
	 * @param properties its properties
	 * @return the factory that creates it
	 */
	ConcurrencyLimitFactory factory(String limitName,
			LionherdConcurrencyProperties.CapacityLimiterProperties properties);

}
