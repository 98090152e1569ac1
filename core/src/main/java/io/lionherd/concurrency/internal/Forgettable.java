package io.lionherd.concurrency.internal;

/**
 * A per-key rate limiter whose state can be dropped without loosening its limit: the key
 * table of {@code RateLimiterRegistry} asks it, while no operation of its own is in
 * progress, whether it is now equivalent to a fresh limiter of the same key.
 */
public interface Forgettable {

	/**
	 * Whether this limiter holds no grant inside any of its windows (nor a reservation
	 * for a later instant), no waiter and no decision in flight, so that a fresh limiter
	 * of the same key would decide every later request exactly as it would. Thread-safe:
	 * the key table also asks while operations may be in progress, as a first look, and
	 * trusts only an answer given while none is.
	 * @return whether it can be forgotten now
	 */
	boolean forgettable();

}
