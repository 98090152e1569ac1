package io.lionherd.concurrency;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.function.Predicate;

import io.lionherd.concurrency.internal.Checks;

/**
 * How {@link AsyncUtils#retry(AsyncCallable, RetryPolicy)} retries: lionherd-core's
 * {@code retry} arguments as one immutable value. After failed attempt {@code n} it waits
 * {@code min(maxDelay, baseDelay × 2^(n-1)) × (1 + random × jitter)}, up to
 * {@code maxAttempts} attempts in all, and retries only the failures {@code retryOn}
 * accepts.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.builder()
 *     .maxAttempts(5)
 *     .baseDelay(Duration.ofMillis(1))
 *     .retryOn(ConnectException.class::isInstance)
 *     .build();
 * }</pre>
 */
public final class RetryPolicy {

	private static final Predicate<Throwable> DEFAULT_RETRY_ON = (error) -> error instanceof Exception
			&& !(error instanceof CancellationException) && !(error instanceof InterruptedException);

	private static final RetryPolicy DEFAULTS = builder().build();

	private final int maxAttempts;

	private final Duration baseDelay;

	private final Duration maxDelay;

	private final double jitter;

	private final Predicate<? super Throwable> retryOn;

	private final long baseNanos;

	private final long maxNanos;

	private RetryPolicy(Builder builder) {
		this.maxAttempts = builder.maxAttempts;
		this.baseDelay = builder.baseDelay;
		this.maxDelay = builder.maxDelay;
		this.jitter = builder.jitter;
		this.retryOn = builder.retryOn;
		this.baseNanos = Checks.saturatedNanos(this.baseDelay);
		this.maxNanos = Checks.saturatedNanos(this.maxDelay);
	}

	/**
	 * lionherd-core's defaults: 3 attempts, base delay 100 ms, max delay 2 s, jitter 0.1,
	 * every {@link Exception} retried except {@link CancellationException} and
	 * {@link InterruptedException}; an {@link Error} never.
	 * @return the default policy
	 */
	public static RetryPolicy defaults() {
		return DEFAULTS;
	}

	/**
	 * Starts building a policy from the defaults.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * How many attempts in all, at least 1.
	 * @return the most attempts
	 */
	public int maxAttempts() {
		return this.maxAttempts;
	}

	/**
	 * The wait after the first failed attempt, before jitter.
	 * @return the base delay
	 */
	public Duration baseDelay() {
		return this.baseDelay;
	}

	/**
	 * The longest wait before jitter.
	 * @return the max delay
	 */
	public Duration maxDelay() {
		return this.maxDelay;
	}

	/**
	 * The most a wait grows by at random, as a fraction of it, in [0, 1].
	 * @return the jitter
	 */
	public double jitter() {
		return this.jitter;
	}

	/**
	 * Whether {@code failure} is retried.
	 * @param failure an attempt's own exception
	 * @return whether to retry it
	 */
	public boolean retries(Throwable failure) {
		return this.retryOn.test(failure);
	}

	/**
	 * The wait after failed attempt {@code attempt}:
	 * {@code min(maxDelay, baseDelay × 2^(attempt-1)) × (1 + random × jitter)}.
	 * @param attempt the number of the attempt that failed, from 1
	 * @param random a number in [0, 1)
	 * @return how long to wait before the next attempt
	 */
	public Duration backoff(int attempt, double random) {
		return Duration.ofNanos(backoffNanos(attempt, random));
	}

	long backoffNanos(int attempt, double random) {
		double exponential = this.baseNanos * Math.pow(2, Math.max(0, attempt - 1));
		double delay = Math.min((double) this.maxNanos, exponential);
		if (this.jitter > 0) {
			delay *= 1 + random * this.jitter;
		}
		return (delay >= Long.MAX_VALUE) ? Long.MAX_VALUE : (long) delay;
	}

	@Override
	public String toString() {
		return "RetryPolicy[maxAttempts=" + this.maxAttempts + ", baseDelay=" + this.baseDelay + ", maxDelay="
				+ this.maxDelay + ", jitter=" + this.jitter + "]";
	}

	/**
	 * Builds a {@link RetryPolicy}; every setting starts at its default.
	 */
	public static final class Builder {

		private int maxAttempts = 3;

		private Duration baseDelay = Duration.ofMillis(100);

		private Duration maxDelay = Duration.ofSeconds(2);

		private double jitter = 0.1;

		private Predicate<? super Throwable> retryOn = DEFAULT_RETRY_ON;

		private Builder() {
		}

		/**
		 * How many attempts in all (default 3).
		 * @param maxAttempts at least 1
		 * @return this builder
		 */
		public Builder maxAttempts(int maxAttempts) {
			if (maxAttempts < 1) {
				throw new IllegalArgumentException("maxAttempts must be at least 1, but was " + maxAttempts);
			}
			this.maxAttempts = maxAttempts;
			return this;
		}

		/**
		 * The wait after the first failure (default 100 ms).
		 * @param baseDelay zero or more
		 * @return this builder
		 */
		public Builder baseDelay(Duration baseDelay) {
			this.baseDelay = Checks.notNegative(baseDelay, "baseDelay");
			return this;
		}

		/**
		 * The longest wait before jitter (default 2 s); not below the base delay.
		 * @param maxDelay zero or more
		 * @return this builder
		 */
		public Builder maxDelay(Duration maxDelay) {
			this.maxDelay = Checks.notNegative(maxDelay, "maxDelay");
			return this;
		}

		/**
		 * The most a wait grows by at random, as a fraction (default 0.1).
		 * @param jitter in [0, 1]
		 * @return this builder
		 */
		public Builder jitter(double jitter) {
			if (!(jitter >= 0 && jitter <= 1)) {
				throw new IllegalArgumentException("jitter must be in [0, 1], but was " + jitter);
			}
			this.jitter = jitter;
			return this;
		}

		/**
		 * Which failures are retried (default: every {@link Exception} but
		 * {@link CancellationException} and {@link InterruptedException}).
		 * @param retryOn accepts the attempt's own exception to retry it
		 * @return this builder
		 */
		public Builder retryOn(Predicate<? super Throwable> retryOn) {
			this.retryOn = Checks.notNull(retryOn, "retryOn");
			return this;
		}

		/**
		 * Builds the policy.
		 * @return the policy
		 * @throws IllegalArgumentException if {@code maxDelay} is below {@code baseDelay}
		 */
		public RetryPolicy build() {
			if (this.maxDelay.compareTo(this.baseDelay) < 0) {
				throw new IllegalArgumentException(
						"maxDelay must not be below baseDelay (" + this.baseDelay + "), but was " + this.maxDelay);
			}
			return new RetryPolicy(this);
		}

	}

}
