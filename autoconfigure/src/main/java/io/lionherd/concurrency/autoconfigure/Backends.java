package io.lionherd.concurrency.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.CapacityLimiterProperties;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.RateLimiterProperties;
import io.lionherd.concurrency.capacity.ConcurrencyLimitFactory;
import io.lionherd.concurrency.ratelimit.RateLimiterFactory;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * The backends a {@code backend} property of named limiters can name: {@code local}, and
 * each backend bean by its name. A limiter's backend is resolved here once, to the
 * factory that creates it.
 *
 * @param <F> the factory type of the limiters
 * @param <P> the properties type of one limiter
 */
final class Backends<F, P> {

	private final String map;

	private final String beanType;

	private final F local;

	/** By lower-case name; the first bean of a name wins, in bean order. */
	private final Map<String, BiFunction<String, P, F>> beans = new LinkedHashMap<>();

	private Backends(String map, String beanType, F local) {
		this.map = map;
		this.beanType = beanType;
		this.local = local;
	}

	/** The backends of {@code lionherd.concurrency.rate-limiters.<name>.backend}. */
	static Backends<RateLimiterFactory, RateLimiterProperties> rateLimiters(RateLimiterFactory local,
			Stream<RateLimiterBackend> beans) {
		Backends<RateLimiterFactory, RateLimiterProperties> backends = new Backends<>("rate-limiters",
				RateLimiterBackend.class.getSimpleName(), local);
		beans.forEach((backend) -> backends.add(backend.name(), backend::factory));
		return backends;
	}

	/** The backends of {@code lionherd.concurrency.capacity-limiters.<name>.backend}. */
	static Backends<ConcurrencyLimitFactory, CapacityLimiterProperties> capacityLimiters(ConcurrencyLimitFactory local,
			Stream<CapacityLimiterBackend> beans) {
		Backends<ConcurrencyLimitFactory, CapacityLimiterProperties> backends = new Backends<>("capacity-limiters",
				CapacityLimiterBackend.class.getSimpleName(), local);
		beans.forEach((backend) -> backends.add(backend.name(), backend::factory));
		return backends;
	}

	private void add(String name, BiFunction<String, P, F> factory) {
		this.beans.putIfAbsent(normalize(name), factory);
	}

	/**
	 * The factory of the limiter {@code limiterName}.
	 * @param limiterName its name
	 * @param backend its {@code backend} property
	 * @param properties its properties
	 * @return the factory that creates it
	 * @throws InvalidConfigurationPropertyValueException if {@code backend} names no
	 * known backend
	 */
	F factory(String limiterName, String backend, P properties) {
		String name = normalize(backend);
		if (RateLimiterProperties.LOCAL_BACKEND.equals(name)) {
			return this.local;
		}
		BiFunction<String, P, F> factory = this.beans.get(name);
		if (factory == null) {
			throw unknown(limiterName, backend);
		}
		return factory.apply(limiterName, properties);
	}

	private InvalidConfigurationPropertyValueException unknown(String limiterName, String backend) {
		List<String> known = new ArrayList<>();
		known.add(RateLimiterProperties.LOCAL_BACKEND);
		known.addAll(this.beans.keySet());
		String reason = "backend must be one of " + known + ": local, or the name of a " + this.beanType + " bean";
		if ("redis".equals(normalize(backend))) {
			reason += "; backend redis needs lionherd-concurrency-redis and a Redis connection "
					+ "(spring-boot-starter-data-redis, configured by spring.data.redis.*) on the class path";
		}
		return new InvalidConfigurationPropertyValueException(
				MapKeys.key(LionherdConcurrencyProperties.PREFIX + "." + this.map, limiterName) + ".backend", backend,
				reason);
	}

	private static String normalize(String name) {
		return name.trim().toLowerCase(Locale.ROOT);
	}

}
