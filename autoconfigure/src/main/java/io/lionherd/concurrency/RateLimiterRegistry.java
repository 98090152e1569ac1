package io.lionherd.concurrency;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named rate limiters built once from their specs, for example from the
 * {@code lionherd.concurrency.rate-limiters.<name>.max-calls} and {@code .period} properties.
 * Each limiter comes from {@link AsyncUtils#rateLimiter(String, int, Duration)}, so it uses that
 * instance's clock, timer and executor and is published as {@code lionherd.ratelimiter.*} meters
 * tagged with its name.
 *
 * <pre>{@code
 * RateLimiterRegistry limiters = new RateLimiterRegistry(asyncUtils,
 *         Map.of("github", new RateLimiterRegistry.Spec(30, Duration.ofMinutes(1))));
 * limiters.get("github").acquire().thenRun(this::callGitHub);
 * }</pre>
 *
 * Thread-safe and immutable.
 */
public final class RateLimiterRegistry {

	private final Map<String, RateLimiter> limiters;

	/**
	 * Creates one limiter per entry of {@code specs}.
	 * @param asyncUtils where the limiters get their clock, timer, executor and meters
	 * @param specs the limiters by name
	 * @throws IllegalArgumentException if a name is empty or blank
	 */
	public RateLimiterRegistry(AsyncUtils asyncUtils, Map<String, Spec> specs) {
		Checks.notNull(asyncUtils, "asyncUtils");
		Checks.notNull(specs, "specs");
		Map<String, RateLimiter> limiters = new LinkedHashMap<>();
		specs.forEach((name, spec) -> {
			Checks.notNull(name, "name");
			if (name.isBlank()) {
				throw new IllegalArgumentException("Rate limiter names must not be blank, but was '" + name + "'");
			}
			Checks.notNull(spec, "spec of rate limiter '" + name + "'");
			limiters.put(name, asyncUtils.rateLimiter(name, spec.maxCalls(), spec.period()));
		});
		this.limiters = Collections.unmodifiableMap(limiters);
	}

	/**
	 * The limiter named {@code name}.
	 * @param name the name it was configured with
	 * @return the limiter
	 * @throws IllegalArgumentException if there is no such limiter; the message lists the known
	 * names
	 */
	public RateLimiter get(String name) {
		Checks.notNull(name, "name");
		RateLimiter limiter = this.limiters.get(name);
		if (limiter == null) {
			throw new IllegalArgumentException(
					"No rate limiter named '" + name + "'; known rate limiters: " + this.limiters.keySet());
		}
		return limiter;
	}

	/**
	 * The configured names, in configuration order.
	 * @return the names, unmodifiable
	 */
	public Set<String> names() {
		return this.limiters.keySet();
	}

	@Override
	public String toString() {
		return "RateLimiterRegistry" + this.limiters.keySet();
	}

	/**
	 * How one limiter is configured.
	 *
	 * @param maxCalls the most permits granted in any window of {@code period}, at least 1
	 * @param period the window length, positive
	 */
	public record Spec(int maxCalls, Duration period) {

		/**
		 * Checks the values.
		 * @throws IllegalArgumentException if {@code maxCalls} is below 1 or {@code period} is not
		 * positive
		 * @throws NullPointerException if {@code period} is {@code null}
		 */
		public Spec {
			Checks.positive(maxCalls, "maxCalls");
			Checks.positive(period, "period");
		}

	}

}
