package io.lionherd.concurrency.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lionherd.concurrency.capacity.ConcurrencyLimitConfig;
import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.ClassUtils;

/**
 * Configuration properties for lionherd-concurrency.
 *
 * @see LionherdConcurrencyAutoConfiguration
 */
@ConfigurationProperties(LionherdConcurrencyProperties.PREFIX)
public class LionherdConcurrencyProperties implements InitializingBean {

	static final String PREFIX = "lionherd.concurrency";

	private final ExecutorProperties executor = new ExecutorProperties();

	private final MonitorProperties monitor = new MonitorProperties();

	/**
	 * Named sliding-window rate limiters, reachable by name from the RateLimiterRegistry
	 * bean.
	 */
	private final Map<String, RateLimiterProperties> rateLimiters = new LinkedHashMap<>();

	/**
	 * Named retry policies (lionherd's deadline-aware retry with exponential backoff and
	 * jitter), used by name, e.g. by @Retry.
	 */
	private final Map<String, RetryProperties> retries = new LinkedHashMap<>();

	/**
	 * Named concurrency limits (lionherd's CapacityLimiter: at most "total" calls at
	 * once), reachable by name from the ConcurrencyLimitRegistry bean and
	 * by @ConcurrencyLimited.
	 */
	private final Map<String, CapacityLimiterProperties> capacityLimiters = new LinkedHashMap<>();

	private final RedisProperties redis = new RedisProperties();

	public ExecutorProperties getExecutor() {
		return this.executor;
	}

	public MonitorProperties getMonitor() {
		return this.monitor;
	}

	public Map<String, RateLimiterProperties> getRateLimiters() {
		return this.rateLimiters;
	}

	public Map<String, CapacityLimiterProperties> getCapacityLimiters() {
		return this.capacityLimiters;
	}

	public Map<String, RetryProperties> getRetries() {
		return this.retries;
	}

	public RedisProperties getRedis() {
		return this.redis;
	}

	/**
	 * Rejects values no executor, monitor or limiter could work with, naming the
	 * property, the value and what is allowed.
	 */
	@Override
	public void afterPropertiesSet() {
		this.executor.validate(PREFIX + ".executor");
		this.monitor.validate(PREFIX + ".monitor");
		this.rateLimiters.forEach((name, limiter) -> {
			check(!name.isBlank(), PREFIX + ".rate-limiters", name,
					"rate limiter names must not be blank (the name is the key after " + PREFIX
							+ ".rate-limiters, e.g. " + PREFIX + ".rate-limiters.payments.max-calls)");
			limiter.validate(MapKeys.key(PREFIX + ".rate-limiters", name));
		});
		this.retries.forEach((name, retry) -> retry.validate(PREFIX + ".retries." + name));
		this.capacityLimiters.forEach((name, limit) -> {
			check(!name.isBlank(), PREFIX + ".capacity-limiters", name,
					"concurrency limit names must not be blank (the name is the key after " + PREFIX
							+ ".capacity-limiters, e.g. " + PREFIX + ".capacity-limiters.provider.total)");
			limit.validate(MapKeys.key(PREFIX + ".capacity-limiters", name));
		});
		this.redis.validate(PREFIX + ".redis");
	}

	private static boolean fitsInMillis(Duration duration) {
		try {
			duration.toMillis();
			return true;
		}
		catch (ArithmeticException ex) {
			return false;
		}
	}

	private static void check(boolean valid, String property, @Nullable Object value, String allowed) {
		if (!valid) {
			throw new InvalidConfigurationPropertyValueException(property, value, allowed);
		}
	}

	/** A field of a core config and the property that sets it. */
	private record ConfigField(String name, String property, @Nullable Object value) {

	}

	public static class ExecutorProperties {

		/**
		 * Name of an existing Executor bean for AsyncUtils to run tasks on. When set, no
		 * executor is created and the other executor properties are ignored.
		 */
		private @Nullable String beanName;

		/**
		 * Core number of threads. Doesn't have an effect if virtual threads are enabled.
		 */
		private int coreSize = 8;

		/**
		 * Maximum allowed number of threads. If tasks are filling up the queue, the pool
		 * can expand up to that size to accommodate the load. Ignored if the queue is
		 * unbounded. Doesn't have an effect if virtual threads are enabled. At least 1
		 * and at least core-size.
		 */
		private int maxSize = Integer.MAX_VALUE;

		/**
		 * Queue capacity. An unbounded capacity does not increase the pool and therefore
		 * ignores the "max-size" property. When the queue and the pool are full, runSync
		 * fails its future with RejectedExecutionException. Doesn't have an effect if
		 * virtual threads are enabled.
		 */
		private int queueCapacity = Integer.MAX_VALUE;

		/**
		 * Time limit for which threads may remain idle before being terminated. Counted
		 * in whole seconds, at most 2147483647s; at least 1s while
		 * allow-core-thread-timeout is true.
		 */
		private Duration keepAlive = Duration.ofSeconds(60);

		/**
		 * Whether core threads are allowed to time out. This enables dynamic growing and
		 * shrinking of the pool.
		 */
		private boolean allowCoreThreadTimeout = true;

		/**
		 * Prefix to use for the names of newly created threads.
		 */
		private String threadNamePrefix = "lionherd-";

		/**
		 * Whether to run tasks on virtual threads (needs Java 21 or later). Defaults to
		 * the value of "spring.threads.virtual.enabled".
		 */
		private @Nullable Boolean virtualThreads;

		/**
		 * Whether the executor should wait for running and queued tasks to complete on
		 * shutdown. When false, queued tasks are cancelled on shutdown (their runSync
		 * futures complete with a CancellationException and the tasks never run) and
		 * running tasks are interrupted.
		 */
		private boolean awaitTermination = true;

		/**
		 * Maximum time the executor should wait for remaining tasks to complete on
		 * shutdown, at most 9223372036854775807ms. Once it has elapsed (at once when
		 * zero), tasks still queued are cancelled and running tasks are interrupted, as
		 * when not waiting, so that no runSync future is left pending.
		 */
		private Duration awaitTerminationPeriod = Duration.ofSeconds(30);

		void validate(String prefix) {
			check(this.coreSize >= 0, prefix + ".core-size", this.coreSize, "core-size must be zero or more");
			check(this.maxSize >= 1, prefix + ".max-size", this.maxSize, "max-size must be at least 1");
			check(this.maxSize >= this.coreSize, prefix + ".max-size", this.maxSize,
					"max-size must be at least core-size (" + this.coreSize + ")");
			check(this.queueCapacity >= 0, prefix + ".queue-capacity", this.queueCapacity,
					"queue-capacity must be zero or more");
			check(!this.keepAlive.isNegative(), prefix + ".keep-alive", this.keepAlive,
					"keep-alive must be zero or positive");
			// The pool counts keep-alive in whole seconds,
			// and timing core threads out needs one.
			check(!this.allowCoreThreadTimeout || this.keepAlive.getSeconds() >= 1, prefix + ".keep-alive",
					this.keepAlive, "keep-alive must be at least 1s while allow-core-thread-timeout is true");
			// ... and in an int: a larger value would wrap
			// around (to a negative or a wrong time).
			check(this.keepAlive.getSeconds() <= Integer.MAX_VALUE, prefix + ".keep-alive", this.keepAlive,
					"keep-alive must be at most " + Integer.MAX_VALUE + "s (" + Duration.ofSeconds(Integer.MAX_VALUE)
							+ "), the most whole seconds the pool can hold");
			check(!this.threadNamePrefix.isBlank(), prefix + ".thread-name-prefix", this.threadNamePrefix,
					"thread-name-prefix must not be blank");
			check(!this.awaitTerminationPeriod.isNegative(), prefix + ".await-termination-period",
					this.awaitTerminationPeriod, "await-termination-period must be zero or positive");
			// The executors take the period in milliseconds (Duration.toMillis), which
			// overflows beyond Long.MAX_VALUE of them.
			check(fitsInMillis(this.awaitTerminationPeriod), prefix + ".await-termination-period",
					this.awaitTerminationPeriod, "await-termination-period must be at most " + Long.MAX_VALUE + "ms ("
							+ Duration.ofMillis(Long.MAX_VALUE) + ")");
			check(this.beanName == null || !this.beanName.isBlank(), prefix + ".bean-name", this.beanName,
					"bean-name must name an Executor bean, or be left unset");
		}

		public @Nullable String getBeanName() {
			return this.beanName;
		}

		public void setBeanName(@Nullable String beanName) {
			this.beanName = beanName;
		}

		public int getCoreSize() {
			return this.coreSize;
		}

		public void setCoreSize(int coreSize) {
			this.coreSize = coreSize;
		}

		public int getMaxSize() {
			return this.maxSize;
		}

		public void setMaxSize(int maxSize) {
			this.maxSize = maxSize;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public Duration getKeepAlive() {
			return this.keepAlive;
		}

		public void setKeepAlive(Duration keepAlive) {
			this.keepAlive = keepAlive;
		}

		public boolean isAllowCoreThreadTimeout() {
			return this.allowCoreThreadTimeout;
		}

		public void setAllowCoreThreadTimeout(boolean allowCoreThreadTimeout) {
			this.allowCoreThreadTimeout = allowCoreThreadTimeout;
		}

		public String getThreadNamePrefix() {
			return this.threadNamePrefix;
		}

		public void setThreadNamePrefix(String threadNamePrefix) {
			this.threadNamePrefix = threadNamePrefix;
		}

		public @Nullable Boolean getVirtualThreads() {
			return this.virtualThreads;
		}

		public void setVirtualThreads(@Nullable Boolean virtualThreads) {
			this.virtualThreads = virtualThreads;
		}

		public boolean isAwaitTermination() {
			return this.awaitTermination;
		}

		public void setAwaitTermination(boolean awaitTermination) {
			this.awaitTermination = awaitTermination;
		}

		public Duration getAwaitTerminationPeriod() {
			return this.awaitTerminationPeriod;
		}

		public void setAwaitTerminationPeriod(Duration awaitTerminationPeriod) {
			this.awaitTerminationPeriod = awaitTerminationPeriod;
		}

	}

	public static class MonitorProperties {

		/**
		 * Whether monitored calls are recorded as the "lionherd.monitor" timer (when a
		 * MeterRegistry is present). The monitor methods run and measure either way.
		 */
		private boolean enabled = true;

		/**
		 * Maximum number of distinct monitor names recorded with their own "name" tag;
		 * further names are recorded as "other" to keep tag cardinality bounded.
		 */
		private int maxNames = 100;

		void validate(String prefix) {
			check(this.maxNames >= 1, prefix + ".max-names", this.maxNames, "max-names must be at least 1");
		}

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getMaxNames() {
			return this.maxNames;
		}

		public void setMaxNames(int maxNames) {
			this.maxNames = maxNames;
		}

	}

	public static class RateLimiterProperties {

		/**
		 * The backend name of the limiters kept in this instance's memory.
		 */
		static final String LOCAL_BACKEND = "local";

		/**
		 * Maximum number of permits granted in any window of "period", from 1 to 67108864
		 * (2^26). With "period", the shorthand of a limiter of one limit: leave both
		 * unset when "limits" is set.
		 */
		private int maxCalls = 1;

		/**
		 * Length of the sliding window of "max-calls". Must be positive. Leave unset when
		 * "limits" is set.
		 */
		private Duration period = Duration.ofSeconds(1);

		/**
		 * The limits of a limiter of several (at most 8), e.g. requests and tokens per
		 * minute: a request is granted only when every limit has room for it, and is then
		 * counted by all of them at once. Instead of "max-calls" and "period", which
		 * cannot be set beside it.
		 */
		private List<LimitProperties> limits = new ArrayList<>();

		/**
		 * How long acquire() waits for a permit before failing with a TimeoutException.
		 * Zero means do not wait; unset means no limit.
		 */
		private @Nullable Duration timeout;

		/**
		 * Where the window lives: "local" (in this instance's memory) or the name of a
		 * RateLimiterBackend bean: "redis" shares the window with every instance through
		 * the application's Redis connection (spring.data.redis.*; needs
		 * lionherd-concurrency-redis and spring-boot-starter-data-redis). Not case
		 * sensitive; an unknown name stops startup.
		 */
		private String backend = LOCAL_BACKEND;

		/**
		 * What a distributed limiter does when its backend cannot decide (e.g. Redis
		 * unreachable): "fail" (acquire fails with RateLimiterBackendException,
		 * tryAcquire returns false) or "allow" (permits are granted).
		 */
		private OnBackendFailure onBackendFailure = OnBackendFailure.FAIL;

		/**
		 * Maximum number of client keys of this limiter alive at once in this instance
		 * (RateLimiterRegistry.get(name, key), @RateLimited(key = ...)): a request for a
		 * new key beyond it is refused at once. At least 1. A key is forgotten once it
		 * has no grant in any window and no waiter.
		 */
		private int maxKeys = RateLimiterConfig.DEFAULT_MAX_KEYS;

		/** Whether "max-calls" was bound: it may not be set beside "limits". */
		private boolean maxCallsSet;

		/** Whether "period" was bound: it may not be set beside "limits". */
		private boolean periodSet;

		/**
		 * Rejects what {@link RateLimiterConfig} rejects, naming the property at fault:
		 * the rules live in the config alone.
		 */
		void validate(String prefix) {
			if (!this.limits.isEmpty() && (this.maxCallsSet || this.periodSet)) {
				String shorthand = this.maxCallsSet ? "max-calls" : "period";
				Object value = this.maxCallsSet ? this.maxCalls : this.period;
				throw new InvalidConfigurationPropertyValueException(prefix + "." + shorthand, value,
						prefix + "." + shorthand + " and " + prefix + ".limits cannot both be set: max-calls and "
								+ "period are the shorthand of one limit, limits lists every limit; keep one form");
			}
			try {
				toConfig();
			}
			catch (InvalidLimitException ex) {
				throw ex.at(prefix);
			}
			catch (IllegalArgumentException | NullPointerException ex) {
				throw invalid(prefix, String.valueOf(ex.getMessage()));
			}
		}

		/**
		 * The property of the field the config's message starts with (it names the field
		 * first, or a limit's field as {@code limits[i].field}), its value, and the
		 * message in the property's words.
		 */
		private InvalidConfigurationPropertyValueException invalid(String prefix, String message) {
			List<ConfigField> fields = new ArrayList<>(List.of(new ConfigField("maxCalls", "max-calls", this.maxCalls),
					new ConfigField("period", "period", this.period),
					new ConfigField("timeout", "timeout", this.timeout),
					new ConfigField("maxKeys", "max-keys", this.maxKeys)));
			for (int i = 0; i < this.limits.size(); i++) {
				LimitProperties limit = this.limits.get(i);
				fields.add(new ConfigField("limits[" + i + "].max", "limits[" + i + "].max", limit.getMax()));
				fields.add(new ConfigField("limits[" + i + "].period", "limits[" + i + "].period", limit.getPeriod()));
			}
			for (ConfigField field : fields) {
				if (message.startsWith(field.name() + " ")) {
					return new InvalidConfigurationPropertyValueException(prefix + "." + field.property(),
							field.value(), field.property() + message.substring(field.name().length()));
				}
			}
			String property = (!this.limits.isEmpty() && message.contains("limits")) ? prefix + ".limits" : prefix;
			return new InvalidConfigurationPropertyValueException(property, null, message);
		}

		/**
		 * The limiter's configuration, once {@link #validate(String) validated}.
		 * @return the configuration
		 */
		RateLimiterConfig toConfig() {
			if (this.limits.isEmpty()) {
				return new RateLimiterConfig(this.maxCalls, this.period, this.timeout).withMaxKeys(this.maxKeys);
			}
			Limit[] limits = new Limit[this.limits.size()];
			for (int i = 0; i < limits.length; i++) {
				limits[i] = this.limits.get(i).toLimit(i);
			}
			return RateLimiterConfig.of(limits[0], Arrays.copyOfRange(limits, 1, limits.length))
				.withTimeout(this.timeout)
				.withMaxKeys(this.maxKeys);
		}

		public int getMaxCalls() {
			return this.maxCalls;
		}

		public void setMaxCalls(int maxCalls) {
			this.maxCalls = maxCalls;
			this.maxCallsSet = true;
		}

		public Duration getPeriod() {
			return this.period;
		}

		public void setPeriod(Duration period) {
			this.period = period;
			this.periodSet = true;
		}

		public List<LimitProperties> getLimits() {
			return this.limits;
		}

		public void setLimits(List<LimitProperties> limits) {
			this.limits = limits;
		}

		public @Nullable Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(@Nullable Duration timeout) {
			this.timeout = timeout;
		}

		public String getBackend() {
			return this.backend;
		}

		public void setBackend(String backend) {
			this.backend = backend;
		}

		public int getMaxKeys() {
			return this.maxKeys;
		}

		public void setMaxKeys(int maxKeys) {
			this.maxKeys = maxKeys;
		}

		public OnBackendFailure getOnBackendFailure() {
			return this.onBackendFailure;
		}

		public void setOnBackendFailure(OnBackendFailure onBackendFailure) {
			this.onBackendFailure = onBackendFailure;
		}

	}

	/**
	 * One limit of a rate limiter: at most "max" counted in every sliding window of
	 * "period".
	 */
	public static class LimitProperties {

		/**
		 * Maximum counted in any window of "period": permits, or requests when "counts"
		 * is "calls". At least 1; required.
		 */
		private @Nullable Long max;

		/**
		 * Length of this limit's sliding window; positive, required. At most one limit of
		 * a limiter counts the same (permits or calls) over the same period.
		 */
		private @Nullable Duration period;

		/**
		 * What the limit counts: "permits" (what each request asks for, e.g. the tokens
		 * of @RateLimited(permits = "#tokens"); 1 per plain acquire()) or "calls" (1 per
		 * request, whatever it asks for).
		 */
		private Counts counts = Counts.PERMITS;

		/**
		 * The limit, or an {@link InvalidLimitException} naming index {@code index}'s
		 * field at fault.
		 */
		Limit toLimit(int index) {
			Long max = this.max;
			Duration period = this.period;
			if (max == null) {
				throw new InvalidLimitException(index, "max", null, "max must be set: the most "
						+ ((this.counts == Counts.CALLS) ? "calls" : "permits") + " in any window, at least 1");
			}
			if (period == null) {
				throw new InvalidLimitException(index, "period", null,
						"period must be set: the length of the limit's sliding window, positive");
			}
			try {
				return (this.counts == Counts.CALLS) ? Limit.calls(max, period) : Limit.permits(max, period);
			}
			catch (IllegalArgumentException ex) {
				String message = String.valueOf(ex.getMessage());
				boolean aboutPeriod = message.startsWith("period");
				throw new InvalidLimitException(index, aboutPeriod ? "period" : "max", aboutPeriod ? period : max,
						message);
			}
		}

		public @Nullable Long getMax() {
			return this.max;
		}

		public void setMax(@Nullable Long max) {
			this.max = max;
		}

		public @Nullable Duration getPeriod() {
			return this.period;
		}

		public void setPeriod(@Nullable Duration period) {
			this.period = period;
		}

		public Counts getCounts() {
			return this.counts;
		}

		public void setCounts(Counts counts) {
			this.counts = counts;
		}

		/**
		 * What a limit counts.
		 */
		public enum Counts {

			/**
			 * The permits each request asks for (1 for a plain acquire()).
			 */
			PERMITS,

			/**
			 * 1 per request, whatever number of permits it asks for.
			 */
			CALLS

		}

	}

	/**
	 * A limit's field is invalid: turned into an
	 * {@link InvalidConfigurationPropertyValueException} once its limiter's prefix is
	 * known.
	 */
	@SuppressWarnings("serial")
	static final class InvalidLimitException extends IllegalArgumentException {

		private final String property;

		private final transient @Nullable Object value;

		InvalidLimitException(int index, String field, @Nullable Object value, String reason) {
			super(reason, null);
			this.property = "limits[" + index + "]." + field;
			this.value = value;
		}

		InvalidConfigurationPropertyValueException at(String prefix) {
			return new InvalidConfigurationPropertyValueException(prefix + "." + this.property, this.value,
					this.property + ": " + getMessage());
		}

	}

	public static class CapacityLimiterProperties {

		/**
		 * Maximum number of permits held at once (calls running at once), in this
		 * instance or, with backend "redis", in every instance together. At least 1.
		 */
		private int total = 1;

		/**
		 * How long an acquire waits for a permit before failing with
		 * ConcurrencyLimitExceededException. Zero means do not wait; unset means no
		 * limit.
		 */
		private @Nullable Duration timeout;

		/**
		 * Where the permits are counted: "local" (in this instance's memory) or the name
		 * of a CapacityLimiterBackend bean: "redis" shares the limit with every instance
		 * through the application's Redis connection (spring.data.redis.*; needs
		 * lionherd-concurrency-redis and spring-boot-starter-data-redis). Not case
		 * sensitive; an unknown name stops startup.
		 */
		private String backend = RateLimiterProperties.LOCAL_BACKEND;

		/**
		 * With a shared backend, how long a permit outlives its holder's last renewal:
		 * the permits of a crashed instance come back after it. Held permits are renewed
		 * every third of it. At least 100ms.
		 */
		private Duration lease = ConcurrencyLimitConfig.DEFAULT_LEASE;

		/**
		 * What a shared limit does when its backend cannot decide (e.g. Redis
		 * unreachable): "fail" (acquire fails with a backend exception) or "allow"
		 * (permits are granted, unlimited, until the backend answers again).
		 */
		private OnBackendFailure onBackendFailure = OnBackendFailure.FAIL;

		public int getTotal() {
			return this.total;
		}

		public void setTotal(int total) {
			this.total = total;
		}

		public @Nullable Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(@Nullable Duration timeout) {
			this.timeout = timeout;
		}

		public String getBackend() {
			return this.backend;
		}

		public void setBackend(String backend) {
			this.backend = backend;
		}

		public Duration getLease() {
			return this.lease;
		}

		public void setLease(Duration lease) {
			this.lease = lease;
		}

		public OnBackendFailure getOnBackendFailure() {
			return this.onBackendFailure;
		}

		public void setOnBackendFailure(OnBackendFailure onBackendFailure) {
			this.onBackendFailure = onBackendFailure;
		}

		/**
		 * Rejects what {@link ConcurrencyLimitConfig} rejects, naming the property at
		 * fault: the rules live in the config alone.
		 */
		void validate(String prefix) {
			try {
				toConfig();
			}
			catch (IllegalArgumentException | NullPointerException ex) {
				String message = String.valueOf(ex.getMessage());
				for (ConfigField field : List.of(new ConfigField("total", "total", this.total),
						new ConfigField("timeout", "timeout", this.timeout),
						new ConfigField("lease", "lease", this.lease))) {
					if (message.startsWith(field.name() + " ")) {
						throw new InvalidConfigurationPropertyValueException(prefix + "." + field.property(),
								field.value(), field.property() + message.substring(field.name().length()));
					}
				}
				throw new InvalidConfigurationPropertyValueException(prefix, null, message);
			}
		}

		/**
		 * The core's configuration of these properties.
		 * @return the configuration
		 * @throws IllegalArgumentException if a value is out of range
		 */
		ConcurrencyLimitConfig toConfig() {
			return new ConcurrencyLimitConfig(this.total, this.timeout, this.lease);
		}

	}

	public static class RedisProperties {

		/**
		 * Prefix of the Redis keys of the limiters whose backend is "redis"; each key is
		 * the prefix and the limiter's name in braces (a Redis Cluster hash tag).
		 * Instances sharing a limiter must use the same prefix. Must not be blank.
		 */
		private String keyPrefix = "lionherd:ratelimiter:";

		/**
		 * Prefix of the Redis keys of the concurrency limits whose backend is "redis";
		 * each key is the prefix and the limit's name in braces (a Redis Cluster hash
		 * tag). Instances sharing a limit must use the same prefix. Must not be blank.
		 */
		private String capacityKeyPrefix = "lionherd:capacity:";

		void validate(String prefix) {
			check(!this.keyPrefix.isBlank(), prefix + ".key-prefix", this.keyPrefix, "key-prefix must not be blank");
		}

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		public String getCapacityKeyPrefix() {
			return this.capacityKeyPrefix;
		}

		public void setCapacityKeyPrefix(String capacityKeyPrefix) {
			this.capacityKeyPrefix = capacityKeyPrefix;
		}

	}

	public static class RetryProperties {

		/**
		 * Maximum number of attempts in all, the first included; at least 1.
		 */
		private int maxAttempts = 3;

		/**
		 * Wait before the second attempt; each further wait doubles, up to "max-delay",
		 * and is lengthened by up to "jitter" times itself at random. Zero or more.
		 */
		private Duration baseDelay = Duration.ofMillis(100);

		/**
		 * Longest wait between two attempts (before jitter); at least "base-delay".
		 */
		private Duration maxDelay = Duration.ofSeconds(2);

		/**
		 * Random fraction, from 0 to 1, by which each wait is lengthened at most, so that
		 * callers failing together do not retry together.
		 */
		private double jitter = 0.1;

		/**
		 * Fully qualified names of the exception classes (subclasses included) that are
		 * retried when thrown or found among the causes of the failure; any other failure
		 * fails at once. Empty: every Exception. Whatever it lists, a
		 * CancellationException or InterruptedException (thrown or as a cause) is never
		 * retried.
		 */
		private List<String> retryOn = new ArrayList<>();

		/**
		 * Fully qualified names of the exception classes (subclasses included) that are
		 * never retried when thrown or found among the causes of the failure, even when
		 * "retry-on" lists them or a superclass.
		 */
		private List<String> exclude = new ArrayList<>();

		void validate(String prefix) {
			check(this.maxAttempts >= 1, prefix + ".max-attempts", this.maxAttempts, "max-attempts must be at least 1");
			check(!this.baseDelay.isNegative(), prefix + ".base-delay", this.baseDelay,
					"base-delay must be zero or positive");
			check(this.maxDelay.compareTo(this.baseDelay) >= 0, prefix + ".max-delay", this.maxDelay,
					"max-delay must be at least base-delay (" + this.baseDelay + ")");
			check(fitsInNanos(this.maxDelay), prefix + ".max-delay", this.maxDelay,
					"max-delay must be at most " + Duration.ofNanos(Long.MAX_VALUE));
			check(this.jitter >= 0 && this.jitter <= 1, prefix + ".jitter", this.jitter, "jitter must be from 0 to 1");
			checkClasses(this.retryOn, prefix + ".retry-on");
			checkClasses(this.exclude, prefix + ".exclude");
		}

		private static void checkClasses(List<String> names, String property) {
			for (int i = 0; i < names.size(); i++) {
				String name = names.get(i);
				check(exceptionClass(name) != null, property + "[" + i + "]", name,
						property.substring(property.lastIndexOf('.') + 1)
								+ " must list fully qualified names of Throwable classes on the class path");
			}
		}

		/**
		 * The policy's settings, once {@link #validate(String) validated}.
		 * @return the settings
		 */
		RetrySettings toSettings() {
			return new RetrySettings(this.maxAttempts, this.baseDelay, this.maxDelay, this.jitter,
					exceptionClasses(this.retryOn), exceptionClasses(this.exclude));
		}

		private static List<Class<? extends Throwable>> exceptionClasses(List<String> names) {
			List<Class<? extends Throwable>> classes = new ArrayList<>();
			for (String name : names) {
				Class<? extends Throwable> type = exceptionClass(name);
				if (type != null) {
					classes.add(type);
				}
			}
			return classes;
		}

		private static @Nullable Class<? extends Throwable> exceptionClass(@Nullable String name) {
			if (name == null || name.isBlank()) {
				return null;
			}
			try {
				Class<?> type = ClassUtils.forName(name.trim(), ClassUtils.getDefaultClassLoader());
				return Throwable.class.isAssignableFrom(type) ? type.asSubclass(Throwable.class) : null;
			}
			catch (ClassNotFoundException | LinkageError ex) {
				return null;
			}
		}

		private static boolean fitsInNanos(Duration duration) {
			try {
				duration.toNanos();
				return true;
			}
			catch (ArithmeticException ex) {
				return false;
			}
		}

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getBaseDelay() {
			return this.baseDelay;
		}

		public void setBaseDelay(Duration baseDelay) {
			this.baseDelay = baseDelay;
		}

		public Duration getMaxDelay() {
			return this.maxDelay;
		}

		public void setMaxDelay(Duration maxDelay) {
			this.maxDelay = maxDelay;
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
		}

		public List<String> getRetryOn() {
			return this.retryOn;
		}

		public void setRetryOn(List<String> retryOn) {
			this.retryOn = retryOn;
		}

		public List<String> getExclude() {
			return this.exclude;
		}

		public void setExclude(List<String> exclude) {
			this.exclude = exclude;
		}

	}

}
