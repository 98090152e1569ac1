package io.lionherd.concurrency.autoconfigure.web;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.LimitStatus;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

/**
 * A checked rule of {@link LionherdHttpProperties}.
 *
 * @param pattern the paths it limits
 * @param methods the methods it limits, upper case; empty for all
 * @param limiter the limiter's name
 * @param policyName the limiter's name as the policy item of the RateLimit fields
 * @param key whose quota a request spends
 * @param permits the permits a request takes
 * @param maxWait how long a request may wait; zero: refused at once
 * @param policies the {@code RateLimit-Policy} value of each of the limiter's limits, in
 * the order of its configuration
 */
record HttpRule(PathPattern pattern, Set<String> methods, String limiter, String policyName, ClientKey key,
		long permits, Duration maxWait, List<Map.Entry<Limit, String>> policies) {

	/**
	 * The {@code RateLimit-Policy} value of the tightest limit: made once per limit, not
	 * per request.
	 */
	String policy(LimitStatus status) {
		for (Map.Entry<Limit, String> policy : this.policies) {
			if (policy.getKey().equals(status.limit())) {
				return policy.getValue();
			}
		}
		return RateLimitHeaders.policy(this.policyName, status);
	}

	boolean matches(String method, PathContainer path) {
		return (this.methods.isEmpty() || this.methods.contains(method)) && this.pattern.matches(path);
	}

	/**
	 * Checks rule {@code index} against the limiters of {@code registry}.
	 * @throws InvalidConfigurationPropertyValueException naming the property, the value
	 * and what is allowed
	 */
	static HttpRule of(LionherdHttpProperties.Rule rule, int index, RateLimiterRegistry registry) {
		String prefix = LionherdHttpProperties.PREFIX + ".rules[" + index + "]";
		PathPattern pattern = pattern(rule.getPath(), prefix + ".path");
		Set<String> methods = new LinkedHashSet<>();
		for (int i = 0; i < rule.getMethods().size(); i++) {
			String method = rule.getMethods().get(i);
			if (method == null || !ClientKey.isToken(method.trim())) {
				throw new InvalidConfigurationPropertyValueException(prefix + ".methods[" + i + "]", method,
						"an HTTP method name such as GET or POST");
			}
			methods.add(method.trim().toUpperCase(Locale.ROOT));
		}
		RateLimiter limiter = limiter(rule.getLimiter(), prefix + ".limiter", registry);
		ClientKey key = ClientKey.parse(rule.getKey(), prefix + ".key");
		try {
			limiter.config().checkPermits(rule.getPermits());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".permits", rule.getPermits(),
					ex.getMessage() + " (rate limiter '" + limiter.name() + "')");
		}
		Duration wait = rule.getWait();
		if (wait != null && wait.isNegative()) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".wait", wait,
					"wait must be zero or positive; leave it unset to refuse at once");
		}
		String policyName = RateLimitHeaders.policyName(limiter.name());
		List<Map.Entry<Limit, String>> policies = limiter.config()
			.limits()
			.stream()
			.map((limit) -> Map.entry(limit, RateLimitHeaders.policy(policyName, limit)))
			.toList();
		return new HttpRule(pattern, Set.copyOf(methods), limiter.name(), policyName, key, rule.getPermits(),
				(wait != null) ? wait : Duration.ZERO, policies);
	}

	private static PathPattern pattern(@Nullable String path, String property) {
		if (path == null || path.isBlank()) {
			throw new InvalidConfigurationPropertyValueException(property, path,
					"a rule needs a path pattern, such as /api/** or /orders/{id}");
		}
		try {
			return PathPatternParser.defaultInstance.parse(path);
		}
		catch (PatternParseException ex) {
			throw new InvalidConfigurationPropertyValueException(property, path,
					"not a path pattern: " + ex.getMessage() + " (Spring's PathPattern syntax, e.g. /api/**)");
		}
	}

	private static RateLimiter limiter(@Nullable String name, String property, RateLimiterRegistry registry) {
		if (name == null || name.isBlank()) {
			throw new InvalidConfigurationPropertyValueException(property, name,
					"a rule needs the name of a rate limiter; known rate limiters: " + registry.names());
		}
		return registry.find(name)
			.orElseThrow(() -> new InvalidConfigurationPropertyValueException(property, name,
					"no rate limiter named '" + name + "'; known rate limiters: " + registry.names()
							+ " (define it under lionherd.concurrency.rate-limiters)"));
	}

}
