package io.lionherd.concurrency.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.CapacityLimiterProperties;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.RateLimiterProperties;
import io.lionherd.concurrency.capacity.ConcurrencyLimitFactory;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * The backends a {@code lionherd.concurrency.capacity-limiters.<name>.backend} can name:
 * {@code local}, and each {@link CapacityLimiterBackend} bean by its {@link #name()}. A
 * limit's backend is resolved here once, to the factory that creates it.
 */
final class CapacityLimiterBackends {

	private final ConcurrencyLimitFactory local;

	/** By lower-case name; the first bean of a name wins, in bean order. */
	private final Map<String, CapacityLimiterBackend> beans = new LinkedHashMap<>();

	CapacityLimiterBackends(ConcurrencyLimitFactory local, Stream<CapacityLimiterBackend> beans) {
		this.local = local;
		beans.forEach((backend) -> this.beans.putIfAbsent(normalize(backend.name()), backend));
	}

	/**
	 * The factory of the limit {@code limitName}.
	 * @throws InvalidConfigurationPropertyValueException if its backend names no known
	 * backend
	 */
	ConcurrencyLimitFactory factory(String limitName, CapacityLimiterProperties properties) {
		String name = normalize(properties.getBackend());
		if (RateLimiterProperties.LOCAL_BACKEND.equals(name)) {
			return this.local;
		}
		CapacityLimiterBackend backend = this.beans.get(name);
		if (backend == null) {
			throw unknown(limitName, properties.getBackend());
		}
		return backend.factory(limitName, properties);
	}

	private InvalidConfigurationPropertyValueException unknown(String limitName, String backend) {
		List<String> known = new ArrayList<>();
		known.add(RateLimiterProperties.LOCAL_BACKEND);
		known.addAll(this.beans.keySet());
		String reason = "backend must be one of " + known + ": local, or the name of a CapacityLimiterBackend bean";
		if ("redis".equals(normalize(backend))) {
			reason += "; backend redis needs lionherd-concurrency-redis and a Redis connection "
					+ "(spring-boot-starter-data-redis, configured by spring.data.redis.*) on the class path";
		}
		return new InvalidConfigurationPropertyValueException(
				MapKeys.key(LionherdConcurrencyProperties.PREFIX + ".capacity-limiters", limitName) + ".backend",
				backend, reason);
	}

	private static String normalize(String name) {
		return name.trim().toLowerCase(Locale.ROOT);
	}

}
