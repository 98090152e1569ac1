package io.lionherd.concurrency.autoconfigure;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.ratelimit.BackendHealth;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The {@code rateLimiters} health contributor: DOWN only when a distributed limiter (one
 * implementing {@link BackendHealth}) reports its backend unreachable, since then its
 * callers fail or pass unlimited; an exhausted limiter is working as meant and stays UP.
 * The details give each named limiter's backend, available permits and waiting acquires,
 * and for a distributed one whether its backend is reachable.
 */
public final class RateLimitersHealthIndicator implements HealthIndicator {

	private final RateLimiterRegistry registry;

	/**
	 * @param registry the limiters to check
	 */
	public RateLimitersHealthIndicator(RateLimiterRegistry registry) {
		this.registry = Checks.notNull(registry, "registry");
	}

	@Override
	public Health health() {
		Map<String, Object> details = new LinkedHashMap<>();
		boolean down = false;
		for (RateLimiter limiter : this.registry.all()
			.stream()
			.sorted(Comparator.comparing(RateLimiter::name))
			.toList()) {
			Map<String, Object> limiterDetails = new LinkedHashMap<>();
			limiterDetails.put("backend", limiter.backend());
			limiterDetails.put("availablePermits", limiter.availablePermits());
			limiterDetails.put("waiting", limiter.waitingCount());
			if (limiter instanceof BackendHealth backend) {
				boolean reachable = isReachable(backend);
				limiterDetails.put("backendReachable", reachable);
				down |= !reachable;
			}
			details.put(limiter.name(), limiterDetails);
		}
		return Health.status(down ? Status.DOWN : Status.UP).withDetails(details).build();
	}

	/** A check that throws counts as unreachable, not as a failed health endpoint. */
	private static boolean isReachable(BackendHealth backend) {
		try {
			return backend.isBackendReachable();
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

}
