package io.lionherd.concurrency.autoconfigure;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import io.lionherd.concurrency.ratelimit.BackendHealth;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The {@code lionherd} health contributor. For each distributed limiter (one implementing
 * {@link BackendHealth}) whose backend is unreachable: {@link Status#DOWN DOWN} if it
 * refuses permits meanwhile ({@code on-backend-failure: fail}), since then its callers
 * fail; {@link #DEGRADED} if it grants them ({@code allow}), since then its callers are
 * served, unlimited, and taking the instance out of a load balancer would only fail them.
 * DOWN wins over DEGRADED, which wins over UP; an exhausted limiter is working as meant
 * and stays UP.
 * <p>
 * The details give each named limiter's backend, available permits and waiting acquires,
 * and for a distributed one whether its backend is reachable and what it does while it is
 * not ({@code onBackendFailure}: {@code allow} or {@code fail}).
 */
public final class LionherdHealthIndicator implements HealthIndicator {

	/**
	 * The status while a limiter that grants permits without its backend cannot reach it.
	 * It is not in Spring Boot's default status order, so by default it leaves the
	 * application's aggregate status as the other contributors make it, and it is
	 * answered with HTTP 200; to make it count, add it to
	 * {@code management.endpoint.health.status.order} (and map it with
	 * {@code management.endpoint.health.status.http-mapping.degraded}).
	 */
	public static final Status DEGRADED = new Status("DEGRADED");

	private final RateLimiterRegistry registry;

	/**
	 * @param registry the limiters to check
	 */
	public LionherdHealthIndicator(RateLimiterRegistry registry) {
		this.registry = Objects.requireNonNull(registry, "registry must not be null");
	}

	@Override
	public Health health() {
		Map<String, Object> details = new LinkedHashMap<>();
		boolean down = false;
		boolean degraded = false;
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
				boolean grants = grantsWhenUnreachable(backend);
				limiterDetails.put("backendReachable", reachable);
				limiterDetails.put("onBackendFailure", grants ? "allow" : "fail");
				down |= !reachable && !grants;
				degraded |= !reachable && grants;
			}
			details.put(limiter.name(), limiterDetails);
		}
		Status status = down ? Status.DOWN : (degraded ? DEGRADED : Status.UP);
		return Health.status(status).withDetails(details).build();
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

	/** A check that throws counts as refusing, the safe side: DOWN rather than hidden. */
	private static boolean grantsWhenUnreachable(BackendHealth backend) {
		try {
			return backend.grantsWhenUnreachable();
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

}
