package io.lionherd.concurrency.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.RateLimiterProperties;
import io.lionherd.concurrency.ratelimit.RateLimiterFactory;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * The backends a {@code lionherd.concurrency.rate-limiters.<name>.backend} can name:
 * {@code local}, and each {@link RateLimiterBackend} bean by its {@link #name()}. A
 * limiter's name is resolved here once, to the factory that creates it.
 */
final class RateLimiterBackends {

	private final RateLimiterFactory local;

	/** By lower-case name; the first bean of a name wins, in bean order. */
	private final Map<String, RateLimiterBackend> beans = new LinkedHashMap<>();

	RateLimiterBackends(RateLimiterFactory local, Stream<RateLimiterBackend> beans) {
		this.local = local;
		beans.forEach((backend) -> this.beans.putIfAbsent(normalize(backend.name()), backend));
	}

	/**
	 * The factory of the limiter {@code limiterName}.
	 * @throws InvalidConfigurationPropertyValueException if its backend names no known
	 * backend
	 */
	RateLimiterFactory factory(String limiterName, RateLimiterProperties properties) {
		String name = normalize(properties.getBackend());
		if (RateLimiterProperties.LOCAL_BACKEND.equals(name)) {
			return this.local;
		}
		RateLimiterBackend backend = this.beans.get(name);
		if (backend == null) {
			throw unknown(limiterName, properties.getBackend());
		}
		return backend.factory(limiterName, properties);
	}

	private InvalidConfigurationPropertyValueException unknown(String limiterName, String backend) {
		List<String> known = new ArrayList<>();
		known.add(RateLimiterProperties.LOCAL_BACKEND);
		known.addAll(this.beans.keySet());
		String reason = "backend must be one of " + known + ": local, or the name of a RateLimiterBackend bean";
		if ("redis".equals(normalize(backend))) {
			reason += "; backend redis needs lionherd-concurrency-redis and a Redis connection "
					+ "(spring-boot-starter-data-redis, configured by spring.data.redis.*) on the class path";
		}
		return new InvalidConfigurationPropertyValueException(
				MapKeys.key(LionherdConcurrencyProperties.PREFIX + ".rate-limiters", limiterName) + ".backend", backend,
				reason);
	}

	private static String normalize(String name) {
		return name.trim().toLowerCase(Locale.ROOT);
	}

}
