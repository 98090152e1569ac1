package io.lionherd.concurrency.autoconfigure;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
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
 * not ({@code onBackendFailure}: {@code allow} or {@code fail}). The named concurrency
 * limits count the same way (a shared one implements {@link BackendHealth} too); their
 * details, by name under {@code capacityLimiters} when there are any, give each one's
 * backend, total, permits in use, available and waiting acquires.
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

	/**
	 * The detail that holds the concurrency limits, by name (the rate limiters' details
	 * are the limiters' names themselves, as before there were concurrency limits).
	 */
	public static final String CAPACITY_LIMITERS = "capacityLimiters";

	private final RateLimiterRegistry registry;

	private final ConcurrencyLimitRegistry concurrencyLimits;

	/**
	 * A contributor of rate limiters alone.
	 * @param registry the limiters to check
	 */
	public LionherdHealthIndicator(RateLimiterRegistry registry) {
		this(registry, new ConcurrencyLimitRegistry());
	}

	/**
	 * @param registry the rate limiters to check
	 * @param concurrencyLimits the concurrency limits to check
	 */
	public LionherdHealthIndicator(RateLimiterRegistry registry, ConcurrencyLimitRegistry concurrencyLimits) {
		this.registry = Objects.requireNonNull(registry, "registry must not be null");
		this.concurrencyLimits = Objects.requireNonNull(concurrencyLimits, "concurrencyLimits must not be null");
	}

	@Override
	public Health health() {
		Map<String, Object> details = new LinkedHashMap<>();
		Outage outage = new Outage();
		for (RateLimiter limiter : this.registry.all()
			.stream()
			.sorted(Comparator.comparing(RateLimiter::name))
			.toList()) {
			Map<String, Object> limiterDetails = new LinkedHashMap<>();
			limiterDetails.put("backend", limiter.backend());
			limiterDetails.put("availablePermits", limiter.availablePermits());
			limiterDetails.put("waiting", limiter.waitingCount());
			outage.check(limiter, limiterDetails);
			details.put(limiter.name(), limiterDetails);
		}
		Map<String, Object> capacityDetails = new LinkedHashMap<>();
		for (ConcurrencyLimit limit : this.concurrencyLimits.all()
			.stream()
			.sorted(Comparator.comparing(ConcurrencyLimit::name))
			.toList()) {
			Map<String, Object> limitDetails = new LinkedHashMap<>();
			limitDetails.put("backend", limit.backend());
			limitDetails.put("total", limit.config().total());
			limitDetails.put("inUse", limit.inUse());
			limitDetails.put("available", limit.available());
			limitDetails.put("waiting", limit.waitingCount());
			outage.check(limit, limitDetails);
			capacityDetails.put(limit.name(), limitDetails);
		}
		if (!capacityDetails.isEmpty()) {
			details.put(CAPACITY_LIMITERS, capacityDetails);
		}
		return Health.status(outage.status()).withDetails(details).build();
	}

	/**
	 * The status the limiters' backends make: DOWN if one that refuses without its
	 * backend cannot reach it, else DEGRADED if one that grants without it cannot, else
	 * UP.
	 */
	private static final class Outage {

		private boolean down;

		private boolean degraded;

		/** Adds a shared limiter's backend state to its details, and counts it. */
		void check(Object limiter, Map<String, Object> details) {
			if (limiter instanceof BackendHealth backend) {
				boolean reachable = isReachable(backend);
				boolean grants = grantsWhenUnreachable(backend);
				details.put("backendReachable", reachable);
				details.put("onBackendFailure", grants ? "allow" : "fail");
				this.down |= !reachable && !grants;
				this.degraded |= !reachable && grants;
			}
		}

		Status status() {
			return this.down ? Status.DOWN : (this.degraded ? DEGRADED : Status.UP);
		}

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
