package io.lionherd.concurrency.ratelimit;

/**
 * Implemented by a {@link RateLimiter} whose permits are decided by a remote backend (a
 * Redis server, say), so that a health check can tell when that backend cannot be
 * reached: the Spring Boot starter's {@code lionherd} health contributor is DOWN while
 * such a limiter that refuses without its backend reports it unreachable, and DEGRADED
 * while one that grants without it ({@link #grantsWhenUnreachable()}) does. An in-memory
 * limiter has no backend and does not implement it.
 */
public interface BackendHealth {

	/**
	 * Whether the backend answered recently or answers now. Called by health checks, so
	 * it must answer quickly: from the outcome of the latest call to the backend, or from
	 * a probe bounded by the backend's command timeout; it must not wait for a permit.
	 * @return {@code true} if the backend is reachable
	 */
	boolean isBackendReachable();

	/**
	 * Whether this limiter grants permits while its backend cannot be reached ({@code
	 * on-backend-failure: allow}): then an outage leaves callers served, unlimited, and a
	 * health check reports it without taking the application out of service.
	 * @return {@code true} if permits are granted while the backend is unreachable
	 */
	default boolean grantsWhenUnreachable() {
		return false;
	}

}
