package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.WakeUpExecutor;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterFactory;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import io.lionherd.concurrency.redis.internal.Connector;

/**
 * Makes {@link RedisRateLimiter}s for a {@link RateLimiterRegistry}: every instance of an
 * application whose registry names the same limiter, with the same key prefix, shares one
 * limit.
 *
 * <pre>{@code
 * RedisRateLimiterFactory redis = RedisRateLimiterFactory.builder(RedisClient.create("redis://localhost:6379"))
 *     .build();
 * RateLimiter github = registry.rateLimiter("github", RateLimiterConfig.of(30, Duration.ofMinutes(1)), redis);
 * }</pre>
 *
 * The limiters of one factory share one connection, opened on first use (and again on the
 * next use if that failed) and closed by {@link #close()}; Lettuce reconnects it after an
 * outage. Limiters with another failure mode share it too:
 * {@link #withOnBackendFailure(OnBackendFailure)}. The key of a limiter nobody called
 * since the last probe round is probed every {@linkplain Builder#probeInterval(Duration)
 * probe interval} (a {@code PTTL}, bounded by the command timeout, sent to the node that
 * owns the key), so that {@link RedisRateLimiter#isBackendReachable()} follows the server
 * between calls; {@link #close()} stops the probe.
 */
public final class RedisRateLimiterFactory implements RateLimiterFactory, AutoCloseable {

	/** The default key prefix. */
	public static final String DEFAULT_KEY_PREFIX = "lionherd:ratelimiter:";

	/** The default, and longest, command timeout. */
	public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);

	/** The default interval of the probe of idle limiters. */
	public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(5);

	private final Backend backend;

	private final OnBackendFailure onBackendFailure;

	private RedisRateLimiterFactory(Backend backend, OnBackendFailure onBackendFailure) {
		this.backend = backend;
		this.onBackendFailure = onBackendFailure;
	}

	/**
	 * A factory on its own connection of {@code client}, opened on first use with the
	 * client's Redis URI.
	 * @param client the client (not closed by {@link #close()})
	 * @return a builder
	 */
	public static Builder builder(RedisClient client) {
		Checks.notNull(client, "client");
		return new Builder((executor) -> new Connector(() -> client.connect(StringCodec.UTF8),
				(connection) -> ((StatefulRedisConnection<String, String>) connection).async(), executor));
	}

	/**
	 * A factory on its own connection of a Redis Cluster {@code client}, opened on first
	 * use; the keys are hash-tagged, so each limiter's window lives on one slot.
	 * @param client the client (not closed by {@link #close()})
	 * @return a builder
	 */
	public static Builder builder(RedisClusterClient client) {
		Checks.notNull(client, "client");
		return new Builder((executor) -> new Connector(() -> client.connect(StringCodec.UTF8),
				(connection) -> ((StatefulRedisClusterConnection<String, String>) connection).async(), executor));
	}

	/**
	 * A factory on a connection its caller opened and closes.
	 * @param connection an open connection
	 * @return a builder
	 */
	public static Builder builder(StatefulRedisConnection<String, String> connection) {
		Checks.notNull(connection, "connection");
		return new Builder((executor) -> new Connector(connection,
				(open) -> ((StatefulRedisConnection<String, String>) open).async()));
	}

	/**
	 * A factory on a connection that {@code connect} opens on first use (and again on the
	 * next use if that failed), e.g. from the Lettuce client of Spring Data Redis's
	 * connection factory; {@link #close()} closes it.
	 * @param connect opens a standalone or cluster connection with a {@code String}
	 * codec; may block (it runs on the executor, never on a caller's thread)
	 * @return a builder
	 */
	public static Builder builder(Supplier<? extends StatefulConnection<String, String>> connect) {
		Checks.notNull(connect, "connect");
		return new Builder((executor) -> new Connector(connect, RedisRateLimiterFactory::async, executor));
	}

	private static RedisClusterAsyncCommands<String, String> async(StatefulConnection<String, String> connection) {
		if (connection instanceof StatefulRedisConnection<String, String> standalone) {
			return standalone.async();
		}
		if (connection instanceof StatefulRedisClusterConnection<String, String> cluster) {
			return cluster.async();
		}
		throw new IllegalArgumentException("Unsupported Redis connection " + connection);
	}

	/**
	 * How long one decision may take before Redis counts as unreachable.
	 * @return the command timeout
	 */
	public Duration commandTimeout() {
		return this.backend.commandTimeout;
	}

	@Override
	public RateLimiter create(String name, RateLimiterConfig config, RateLimiterListener listener) {
		// Starts opening the connection in the background, so that the first call does
		// not spend its command timeout on it.
		this.backend.connector.commands();
		return new RedisRateLimiter(name, config, this.backend, this.onBackendFailure, listener);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Its windows live at a key set of their own (see
	 * {@link RedisRateLimiter#redisKey()}), shared by every instance with the same key
	 * prefix that asks for the same name and key, and expire one longest period after its
	 * latest grant or reservation. It shares this factory's connection, timer and wake-up
	 * threads with every other limiter: an idle one holds no timer entry and sends
	 * nothing.
	 * @throws IllegalArgumentException if {@code key} is {@code null} or empty
	 */
	@Override
	public RateLimiter create(String name, String key, RateLimiterConfig config, RateLimiterListener listener) {
		if (key == null || key.isEmpty()) {
			throw new IllegalArgumentException("key must not be null or empty, but was "
					+ ((key == null) ? "null" : "''") + " (limiter '" + name + "')");
		}
		this.backend.connector.commands();
		return new RedisRateLimiter(name, key, config, this.backend, this.onBackendFailure, listener);
	}

	/**
	 * {@inheritDoc}
	 * @return the timer of this factory's limiters (the builder's
	 * {@link Builder#scheduler(DelayScheduler) scheduler})
	 */
	@Override
	public DelayScheduler scheduler() {
		return this.backend.scheduler;
	}

	/**
	 * What the limiters of this factory do when Redis cannot decide.
	 * @return the failure mode
	 */
	public OnBackendFailure onBackendFailure() {
		return this.onBackendFailure;
	}

	/**
	 * A factory sharing this one's connection whose limiters fail as told.
	 * @param onBackendFailure what they do when Redis cannot decide
	 * @return the factory
	 */
	public RedisRateLimiterFactory withOnBackendFailure(OnBackendFailure onBackendFailure) {
		Checks.notNull(onBackendFailure, "onBackendFailure");
		return (onBackendFailure == this.onBackendFailure) ? this
				: new RedisRateLimiterFactory(this.backend, onBackendFailure);
	}

	/**
	 * Closes the connection, if this factory opened it, and opens a new one on the next
	 * use: for a stop of the client the connection comes from (a Spring
	 * {@code LettuceConnectionFactory} shuts its client down when its context stops, and
	 * starts a new one if the context is started again).
	 */
	public void disconnect() {
		this.backend.disconnect();
	}

	/**
	 * Closes the connection, if this factory opened it, and stops the probe of idle
	 * limiters; limiters of this factory fail (or allow) every call after.
	 */
	@Override
	public void close() {
		this.backend.close();
	}

	/** Builds a {@link RedisRateLimiterFactory}. */
	public static final class Builder {

		private final java.util.function.Function<Executor, Connector> connector;

		private String keyPrefix = DEFAULT_KEY_PREFIX;

		private OnBackendFailure onBackendFailure = OnBackendFailure.FAIL;

		private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;

		private Duration probeInterval = DEFAULT_PROBE_INTERVAL;

		private DelayScheduler scheduler = DelayScheduler.shared();

		private Executor executor = WakeUpExecutor.shared();

		private WindowScript script = WindowScript.slidingWindow();

		private GrantLog grantLog = GrantLog.NONE;

		private Builder(java.util.function.Function<Executor, Connector> connector) {
			this.connector = connector;
		}

		/**
		 * The prefix of every key, before the limiter's name in braces.
		 * @param keyPrefix the prefix,
		 * {@value RedisRateLimiterFactory#DEFAULT_KEY_PREFIX} by default
		 * @return this builder
		 */
		public Builder keyPrefix(String keyPrefix) {
			this.keyPrefix = Checks.notNull(keyPrefix, "keyPrefix");
			return this;
		}

		/**
		 * What the limiters do when Redis cannot decide.
		 * @param onBackendFailure {@link OnBackendFailure#FAIL} by default
		 * @return this builder
		 */
		public Builder onBackendFailure(OnBackendFailure onBackendFailure) {
			this.onBackendFailure = Checks.notNull(onBackendFailure, "onBackendFailure");
			return this;
		}

		/**
		 * How long one decision may take before Redis counts as unreachable.
		 * @param commandTimeout positive; 2 s by default
		 * @return this builder
		 */
		public Builder commandTimeout(Duration commandTimeout) {
			this.commandTimeout = Checks.positive(commandTimeout, "commandTimeout");
			return this;
		}

		/**
		 * How often the key of a limiter nobody called since the last round is probed.
		 * @param probeInterval positive; 5 s by default
		 * @return this builder
		 */
		public Builder probeInterval(Duration probeInterval) {
			this.probeInterval = Checks.positive(probeInterval, "probeInterval");
			return this;
		}

		/**
		 * The timer for retries when the next permit frees, acquire timeouts and command
		 * timeouts.
		 * @param scheduler the shared timer by default
		 * @return this builder
		 */
		public Builder scheduler(DelayScheduler scheduler) {
			this.scheduler = Checks.notNull(scheduler, "scheduler");
			return this;
		}

		/**
		 * Where futures complete (and so their continuations run), and where the
		 * connection is opened.
		 * @param executor the shared wake-up executor by default
		 * @return this builder
		 */
		public Builder executor(Executor executor) {
			this.executor = Checks.notNull(executor, "executor");
			return this;
		}

		/** Tests: another script. */
		Builder script(WindowScript script) {
			this.script = script;
			return this;
		}

		/** Tests: sees every grant with its server time. */
		Builder grantLog(GrantLog grantLog) {
			this.grantLog = grantLog;
			return this;
		}

		/**
		 * Builds the factory.
		 * @return the factory
		 */
		public RedisRateLimiterFactory build() {
			Connector connector = this.connector.apply(this.executor);
			return new RedisRateLimiterFactory(new Backend(connector, this.scheduler, this.executor, this.keyPrefix,
					this.commandTimeout, this.probeInterval, this.script, this.grantLog), this.onBackendFailure);
		}

	}

}
