package io.lionherd.concurrency;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Predicate;

import io.lionherd.concurrency.internal.Checks;

/**
 * How {@link AsyncUtils#retry(AsyncCallable, RetryPolicy)} retries: lionherd-core's
 * {@code retry} arguments as one immutable value. After failed attempt {@code n} it waits
 * {@code min(maxDelay, baseDelay × 2^(n-1)) × (1 + random × jitter)}, up to
 * {@code maxAttempts} attempts in all, and retries only the failures {@code retryOn}
 * accepts and {@code exclude} does not list.
 * <p>
 * A {@link CancellationException} or {@link InterruptedException}, or a failure caused by
 * one, is never retried, whatever {@code retryOn} says: someone asked the work to stop.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.builder()
 *     .maxAttempts(5)
 *     .baseDelay(Duration.ofMillis(1))
 *     .retryOn(IOException.class)
 *     .exclude(FileNotFoundException.class)
 *     .build();
 * }</pre>
 */
public final class RetryPolicy {

	private static final Predicate<Throwable> DEFAULT_RETRY_ON = Exception.class::isInstance;

	/** Never retried, whatever {@code retryOn} says; causes included. */
	private static final List<Class<? extends Throwable>> STOPS = List.of(CancellationException.class,
			InterruptedException.class);

	/** How deep a chain of causes is searched: ends a chain that loops. */
	private static final int MAX_CAUSE_DEPTH = 32;

	private static final RetryPolicy DEFAULTS = builder().build();

	private final int maxAttempts;

	private final Duration baseDelay;

	private final Duration maxDelay;

	private final double jitter;

	private final Predicate<? super Throwable> retryOn;

	private final List<Class<? extends Throwable>> exclude;

	private final long baseNanos;

	private final long maxNanos;

	private RetryPolicy(Builder builder) {
		this.maxAttempts = builder.maxAttempts;
		this.baseDelay = builder.baseDelay;
		this.maxDelay = builder.maxDelay;
		this.jitter = builder.jitter;
		this.retryOn = builder.retryOn;
		this.exclude = builder.exclude;
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
	 * Whether {@code failure} is retried: not when it is, or is caused by, a
	 * {@link CancellationException}, an {@link InterruptedException} or an excluded type;
	 * else when {@code retryOn} accepts it.
	 * @param failure an attempt's own exception
	 * @return whether to retry it
	 */
	public boolean retries(Throwable failure) {
		return !causedBy(failure, STOPS) && !causedBy(failure, this.exclude) && this.retryOn.test(failure);
	}

	/** Whether {@code failure} or one of its causes is of one of {@code types}. */
	static boolean causedBy(Throwable failure, List<Class<? extends Throwable>> types) {
		if (types.isEmpty()) {
			return false;
		}
		Throwable current = failure;
		for (int depth = 0; current != null && depth < MAX_CAUSE_DEPTH; depth++) {
			for (Class<? extends Throwable> type : types) {
				if (type.isInstance(current)) {
					return true;
				}
			}
			Throwable cause = current.getCause();
			current = (cause != current) ? cause : null;
		}
		return false;
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
				+ this.maxDelay + ", jitter=" + this.jitter
				+ (this.exclude.isEmpty() ? "" : ", exclude=" + this.exclude.stream().map(Class::getName).toList())
				+ "]";
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

		private List<Class<? extends Throwable>> exclude = List.of();

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
		 * Which failures are retried (default: every {@link Exception}); replaces an
		 * earlier {@code retryOn}. Whatever it accepts, a {@link CancellationException}
		 * or {@link InterruptedException} (or a failure caused by one) and an
		 * {@link #exclude excluded} failure are not retried.
		 * @param retryOn accepts the attempt's own exception to retry it
		 * @return this builder
		 */
		public Builder retryOn(Predicate<? super Throwable> retryOn) {
			this.retryOn = Checks.notNull(retryOn, "retryOn");
			return this;
		}

		/**
		 * Retries the failures that are, or are caused by, one of {@code types}
		 * (subclasses included), as Spring Framework's {@code @Retryable(includes)}
		 * matches; replaces an earlier {@code retryOn}.
		 * @param types at least one type
		 * @return this builder
		 */
		@SafeVarargs
		public final Builder retryOn(Class<? extends Throwable>... types) {
			List<Class<? extends Throwable>> retried = types("retryOn", types);
			if (retried.isEmpty()) {
				throw new IllegalArgumentException("retryOn needs at least one exception type");
			}
			this.retryOn = (failure) -> causedBy(failure, retried);
			return this;
		}

		/**
		 * Never retries the failures that are, or are caused by, one of {@code types}
		 * (subclasses included), whatever {@code retryOn} accepts, as Spring Framework's
		 * {@code @Retryable(excludes)}; replaces an earlier {@code exclude}.
		 * @param types the excluded types; none to exclude nothing
		 * @return this builder
		 */
		@SafeVarargs
		public final Builder exclude(Class<? extends Throwable>... types) {
			this.exclude = types("exclude", types);
			return this;
		}

		private static List<Class<? extends Throwable>> types(String name, Class<? extends Throwable>[] types) {
			Checks.notNull(types, name);
			for (int i = 0; i < types.length; i++) {
				Checks.notNull(types[i], name + "[" + i + "]");
			}
			return List.of(types);
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
