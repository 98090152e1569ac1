package io.lionherd.concurrency.capacity;

import java.time.Duration;

import io.lionherd.concurrency.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * How a named concurrency limit limits: at most {@code total} permits held at once, an
 * acquire waiting up to {@code timeout} ({@code null}: as long as it takes), and, for a
 * limit shared through a backend, the {@code lease} after which a permit whose holder
 * stopped renewing it (a crashed instance) comes back.
 *
 * <pre>{@code
 * ConcurrencyLimitConfig config = ConcurrencyLimitConfig.of(8).withTimeout(Duration.ofSeconds(2));
 * }</pre>
 *
 * @param total how many permits may be held at once, at least 1
 * @param timeout how long an acquire waits at most, zero or more; {@code null} for no
 * limit
 * @param lease how long a shared permit outlives its holder's last renewal, at least
 * {@link #MIN_LEASE}; ignored in memory
 */
public record ConcurrencyLimitConfig(int total, @Nullable Duration timeout, Duration lease) {

	/** The lease of a shared permit unless configured: 30 seconds. */
	public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

	/** The shortest lease allowed: 100 milliseconds. */
	public static final Duration MIN_LEASE = Duration.ofMillis(100);

	/**
	 * @throws IllegalArgumentException if {@code total} is less than 1, {@code timeout}
	 * is negative or {@code lease} is shorter than {@link #MIN_LEASE}
	 */
	public ConcurrencyLimitConfig {
		Checks.positive(total, "total");
		if (timeout != null) {
			Checks.notNegative(timeout, "timeout");
		}
		Checks.notNull(lease, "lease");
		if (lease.compareTo(MIN_LEASE) < 0) {
			// Whole milliseconds as a property is written, anything finer exactly.
			String was = lease.equals(Duration.ofMillis(lease.toMillis())) ? lease.toMillis() + "ms" : lease.toString();
			throw new IllegalArgumentException("lease must be at least " + MIN_LEASE.toMillis() + "ms, but was " + was);
		}
	}

	/**
	 * A limit of {@code total} permits, no timeout and the default lease.
	 * @param total how many permits may be held at once, at least 1
	 * @return the configuration
	 */
	public static ConcurrencyLimitConfig of(int total) {
		return new ConcurrencyLimitConfig(total, null, DEFAULT_LEASE);
	}

	/**
	 * This configuration with another timeout.
	 * @param timeout how long an acquire waits at most; {@code null} for no limit
	 * @return the configuration
	 */
	public ConcurrencyLimitConfig withTimeout(@Nullable Duration timeout) {
		return new ConcurrencyLimitConfig(this.total, timeout, this.lease);
	}

	/**
	 * This configuration with another lease.
	 * @param lease how long a shared permit outlives its holder's last renewal
	 * @return the configuration
	 */
	public ConcurrencyLimitConfig withLease(Duration lease) {
		return new ConcurrencyLimitConfig(this.total, this.timeout, lease);
	}

}
