package io.lionherd.concurrency.capacity.redis;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitConfig;
import io.lionherd.concurrency.capacity.ConcurrencyLimitFactory;
import io.lionherd.concurrency.capacity.ConcurrencyLimitListener;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.WakeUpExecutor;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import io.lionherd.concurrency.redis.internal.Connector;

/**
 * Makes concurrency limits shared through Redis for a {@link ConcurrencyLimitRegistry}:
 * every instance of an application that names the same limit, with the same key prefix,
 * shares one limit of {@code total} permits.
 *
 * <pre>{@code
 * RedisConcurrencyLimitFactory redis = RedisConcurrencyLimitFactory.builder(RedisClient.create("redis://localhost:6379"))
 *     .build();
 * ConcurrencyLimit provider = redis.create("provider", ConcurrencyLimitConfig.of(8), ConcurrencyLimitListener.none());
 * }</pre>
 *
 * A permit is a lease on the server's clock ({@link ConcurrencyLimitConfig#lease()}, 30 s
 * by default) that its instance renews every lease/3 while it holds it, with one round
 * trip per limit for all its permits: a crashed instance's permits come back when their
 * lease ends. An acquire is one script call, a release another, published to the other
 * instances, whose waiters (FIFO per instance, holding no thread) then ask again: no
 * polling. The limits of one factory share one command connection and one pub/sub
 * connection, opened on first use (and again on the next use if that failed) and closed
 * by {@link #close()}; Lettuce reconnects them after an outage. Limits with another
 * failure mode share them too: {@link #withOnBackendFailure(OnBackendFailure)}.
 */
public final class RedisConcurrencyLimitFactory implements ConcurrencyLimitFactory, AutoCloseable {

	/** The default key prefix. */
	public static final String DEFAULT_KEY_PREFIX = "lionherd:capacity:";

	/** The default command timeout. */
	public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);

	private final SharedConnections shared;

	private final OnBackendFailure onBackendFailure;

	private RedisConcurrencyLimitFactory(SharedConnections shared, OnBackendFailure onBackendFailure) {
		this.shared = shared;
		this.onBackendFailure = onBackendFailure;
	}

	/**
	 * A factory on connections of its own of {@code client} (a command connection and a
	 * pub/sub one), opened on first use with the client's Redis URI.
	 * @param client the client (not closed by {@link #close()})
	 * @return a builder
	 */
	public static Builder builder(RedisClient client) {
		Checks.notNull(client, "client");
		return new Builder(
				(executor) -> new Connector(() -> client.connect(StringCodec.UTF8),
						(connection) -> ((StatefulRedisConnection<String, String>) connection).async(), executor),
				() -> client.connectPubSub(StringCodec.UTF8));
	}

	/**
	 * A factory on connections of its own of a Redis Cluster {@code client}, opened on
	 * first use; each limit's keys share one hash tag, so one slot, and its releases are
	 * published with plain {@code PUBLISH} (every node forwards them).
	 * @param client the client (not closed by {@link #close()})
	 * @return a builder
	 */
	public static Builder builder(RedisClusterClient client) {
		Checks.notNull(client, "client");
		return new Builder((executor) -> new Connector(() -> client.connect(StringCodec.UTF8),
				(connection) -> ((StatefulRedisClusterConnection<String, String>) connection).async(), executor),
				() -> client.connectPubSub(StringCodec.UTF8));
	}

	/**
	 * A factory on connections that {@code connect} and {@code subscribe} open on first
	 * use (and again on the next use if that failed), e.g. from the Lettuce client of
	 * Spring Data Redis's connection factory; {@link #close()} closes them.
	 * @param connect opens a standalone or cluster connection with a {@code String}
	 * codec; may block (it runs on the executor, never on a caller's thread)
	 * @param subscribe opens a pub/sub connection with a {@code String} codec, likewise
	 * @return a builder
	 */
	public static Builder builder(Supplier<? extends StatefulConnection<String, String>> connect,
			Supplier<? extends StatefulRedisPubSubConnection<String, String>> subscribe) {
		Checks.notNull(connect, "connect");
		Checks.notNull(subscribe, "subscribe");
		return new Builder((executor) -> new Connector(connect, RedisConcurrencyLimitFactory::async, executor),
				subscribe);
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
	 * {@inheritDoc}
	 * <p>
	 * Its holders live at {@code <prefix>{<name>}}, its definition beside them
	 * ({@code :def}), its releases are published on {@code <prefix>{<name>}:released}.
	 * Instances that share it must agree on {@code total}; an instance defining it
	 * otherwise is refused every permit, with a message naming both definitions.
	 */
	@Override
	public ConcurrencyLimit create(String name, ConcurrencyLimitConfig config, ConcurrencyLimitListener listener) {
		if (name == null || name.isEmpty()) {
			throw new IllegalArgumentException(
					"name must not be null or empty, but was " + ((name == null) ? "null" : "''"));
		}
		Checks.notNull(config, "config");
		Checks.notNull(listener, "listener");
		// Starts opening the connection in the background, so that the first call does
		// not spend its command timeout on it.
		this.shared.commands.commands();
		return new RedisConcurrencyLimit(name, config, this.shared, this.onBackendFailure, listener);
	}

	/**
	 * How long one call may take before Redis counts as unreachable.
	 * @return the command timeout
	 */
	public Duration commandTimeout() {
		return this.shared.commandTimeout;
	}

	/**
	 * What the limits of this factory do when Redis cannot decide.
	 * @return the failure mode
	 */
	public OnBackendFailure onBackendFailure() {
		return this.onBackendFailure;
	}

	/**
	 * A factory sharing this one's connections whose limits fail as told.
	 * @param onBackendFailure what they do when Redis cannot decide
	 * @return the factory
	 */
	public RedisConcurrencyLimitFactory withOnBackendFailure(OnBackendFailure onBackendFailure) {
		Checks.notNull(onBackendFailure, "onBackendFailure");
		return (onBackendFailure == this.onBackendFailure) ? this
				: new RedisConcurrencyLimitFactory(this.shared, onBackendFailure);
	}

	/**
	 * Closes the connections, if this factory opened them, and opens new ones on the next
	 * use: for a stop of the client they come from (a Spring
	 * {@code LettuceConnectionFactory} shuts its client down when its context stops).
	 */
	public void disconnect() {
		this.shared.disconnect();
	}

	/**
	 * Closes the connections; limits of this factory fail (or allow) every call after.
	 * Permits still held are not released: their lease ends them.
	 */
	@Override
	public void close() {
		this.shared.close();
	}

	/** Builds a {@link RedisConcurrencyLimitFactory}. */
	public static final class Builder {

		private final Function<Executor, Connector> connector;

		private final Supplier<? extends StatefulRedisPubSubConnection<String, String>> subscribe;

		private String keyPrefix = DEFAULT_KEY_PREFIX;

		private OnBackendFailure onBackendFailure = OnBackendFailure.FAIL;

		private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;

		private DelayScheduler scheduler = DelayScheduler.shared();

		private Executor executor = WakeUpExecutor.shared();

		private HolderLog holderLog = HolderLog.NONE;

		private Builder(Function<Executor, Connector> connector,
				Supplier<? extends StatefulRedisPubSubConnection<String, String>> subscribe) {
			this.connector = connector;
			this.subscribe = subscribe;
		}

		/**
		 * The prefix of every key, before the limit's name in braces.
		 * @param keyPrefix the prefix,
		 * {@value RedisConcurrencyLimitFactory#DEFAULT_KEY_PREFIX} by default
		 * @return this builder
		 */
		public Builder keyPrefix(String keyPrefix) {
			this.keyPrefix = Checks.notNull(keyPrefix, "keyPrefix");
			return this;
		}

		/**
		 * What the limits do when Redis cannot decide.
		 * @param onBackendFailure {@link OnBackendFailure#FAIL} by default
		 * @return this builder
		 */
		public Builder onBackendFailure(OnBackendFailure onBackendFailure) {
			this.onBackendFailure = Checks.notNull(onBackendFailure, "onBackendFailure");
			return this;
		}

		/**
		 * How long one call may take before Redis counts as unreachable.
		 * @param commandTimeout positive; 2 s by default
		 * @return this builder
		 */
		public Builder commandTimeout(Duration commandTimeout) {
			this.commandTimeout = Checks.positive(commandTimeout, "commandTimeout");
			return this;
		}

		/**
		 * The timer of acquire timeouts, command timeouts, renewals and the wake-ups at
		 * the end of a lease.
		 * @param scheduler the shared timer by default
		 * @return this builder
		 */
		public Builder scheduler(DelayScheduler scheduler) {
			this.scheduler = Checks.notNull(scheduler, "scheduler");
			return this;
		}

		/**
		 * Where futures complete (and so their continuations run), and where the
		 * connections are opened.
		 * @param executor the shared wake-up executor by default
		 * @return this builder
		 */
		public Builder executor(Executor executor) {
			this.executor = Checks.notNull(executor, "executor");
			return this;
		}

		/** Tests: sees every hold with its server time. */
		Builder holderLog(HolderLog holderLog) {
			this.holderLog = holderLog;
			return this;
		}

		/**
		 * Builds the factory.
		 * @return the factory
		 */
		public RedisConcurrencyLimitFactory build() {
			return new RedisConcurrencyLimitFactory(new SharedConnections(this.connector, this.subscribe,
					this.scheduler, this.executor, this.keyPrefix, this.commandTimeout, this.holderLog),
					this.onBackendFailure);
		}

	}

}
