package io.lionherd.concurrency.capacity.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands;
import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.Stages;
import io.lionherd.concurrency.Ticker;
import io.lionherd.concurrency.redis.internal.Connector;
import io.lionherd.concurrency.redis.internal.LuaScript;
import io.lionherd.concurrency.redis.internal.RedisReplies;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the limits of one {@link RedisConcurrencyLimitFactory} share: the command
 * connection, the pub/sub connection their releases come in on, the timer, the command
 * timeout, and this instance's id (the prefix of its permits' ids).
 */
final class SharedConnections {

	private static final Logger logger = LoggerFactory.getLogger(RedisConcurrencyLimit.class);

	final Connector commands;

	final Connector subscriber;

	final DelayScheduler scheduler;

	final Executor executor;

	final Ticker ticker;

	final String keyPrefix;

	final Duration commandTimeout;

	final HolderLog holderLog;

	/** Closed: renewals stop (the leases end the holds). */
	volatile boolean closed;

	private final String instanceId = UUID.randomUUID().toString();

	private final AtomicLong permits = new AtomicLong();

	/** The limits listening on each channel. */
	private final Map<String, List<RedisConcurrencyLimit>> listeners = new ConcurrentHashMap<>();

	/** Dispatches the releases published on the pub/sub connection. */
	final RedisPubSubAdapter<String, String> releases = new RedisPubSubAdapter<>() {

		@Override
		public void message(String channel, String message) {
			List<RedisConcurrencyLimit> limits = SharedConnections.this.listeners.get(channel);
			if (limits != null) {
				for (RedisConcurrencyLimit limit : limits) {
					limit.releasedElsewhere(message);
				}
			}
		}

	};

	/**
	 * @param subscribe opens a pub/sub connection (may block: it runs on the executor),
	 * on which every channel of a limit made so far is subscribed before use
	 */
	SharedConnections(Function<Executor, Connector> commands,
			Supplier<? extends StatefulRedisPubSubConnection<String, String>> subscribe, DelayScheduler scheduler,
			Executor executor, String keyPrefix, Duration commandTimeout, HolderLog holderLog) {
		this.commands = commands.apply(executor);
		this.subscriber = new Connector(() -> {
			StatefulRedisPubSubConnection<String, String> connection = subscribe.get();
			connection.addListener(this.releases);
			String[] channels = this.listeners.keySet().toArray(new String[0]);
			if (channels.length > 0) {
				// A connection opened again (after a failed attempt or a stop) subscribes
				// every limit's channel.
				connection.sync().subscribe(channels);
			}
			return connection;
		}, (connection) -> ((StatefulRedisPubSubConnection<String, String>) connection).async(), executor);
		this.scheduler = scheduler;
		this.executor = executor;
		this.ticker = (scheduler instanceof Ticker clock) ? clock : Ticker.system();
		this.keyPrefix = keyPrefix;
		this.commandTimeout = commandTimeout;
		this.holderLog = holderLog;
	}

	/** A permit id no other permit of any instance has. */
	String nextPermitId() {
		return this.instanceId + ":" + this.permits.incrementAndGet();
	}

	/**
	 * Subscribes {@code limit} to its channel; the future completes once the server
	 * confirmed it (from then on no release is missed but through a lost connection).
	 * Lettuce subscribes again after it reconnects.
	 */
	CompletableFuture<Void> subscribe(String channel, RedisConcurrencyLimit limit) {
		this.listeners.computeIfAbsent(channel, (key) -> new CopyOnWriteArrayList<>()).add(limit);
		return resubscribe(channel);
	}

	/** Subscribes again, e.g. after the subscription could not be made. */
	CompletableFuture<Void> resubscribe(String channel) {
		return this.subscriber.commands()
			.thenCompose((commands) -> ((RedisPubSubAsyncCommands<String, String>) commands).subscribe(channel))
			.thenApply((ignored) -> null);
	}

	/**
	 * Runs a script, failing with a {@link RedisCommandTimeoutException} after the
	 * command timeout, or at once while the connection is lost (Lettuce queues commands
	 * until it reconnects: the call would end at the command timeout only). A call that
	 * timed out may still run when Lettuce reconnects and sends what it queued: its reply
	 * then goes to {@code late}, for the caller to undo what it did.
	 */
	CompletableFuture<List<Object>> run(LuaScript script, Consumer<List<Object>> late, String[] keys, String... args) {
		if (this.commands.isDown()) {
			return CompletableFuture
				.failedFuture(new RedisConnectionException("The connection to Redis is lost; Lettuce is reconnecting"));
		}
		CompletableFuture<List<Object>> result = new CompletableFuture<>();
		Future<?> timer;
		try {
			timer = this.scheduler.schedule(this.executor,
					() -> result.completeExceptionally(new RedisCommandTimeoutException(
							"Redis did not answer the concurrency limit within " + this.commandTimeout)),
					this.commandTimeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
		RedisScriptingAsyncCommands<String, String> open = this.commands.openCommands();
		CompletableFuture<List<Object>> reply = (open != null) ? script.run(open, keys, args)
				: this.commands.commands().thenCompose((commands) -> script.run(commands, keys, args));
		reply.whenComplete((values, error) -> {
			timer.cancel(false);
			if (error != null) {
				result.completeExceptionally(Stages.unwrap(error));
			}
			else if (!result.complete(values)) {
				late.accept(values);
			}
		});
		return result;
	}

	/**
	 * Asks for the key's time to live: a read, sent to the node that owns the key, with
	 * no effect on the limit.
	 * @return whether the server answered within the command timeout (an error reply
	 * counts: it is there)
	 */
	CompletableFuture<Boolean> probe(String key) {
		CompletableFuture<Boolean> answered = new CompletableFuture<>();
		Future<?> timer = schedule(() -> answered.complete(false), this.commandTimeout.toNanos());
		if (timer == null) {
			return CompletableFuture.completedFuture(false);
		}
		this.commands.commands().thenCompose((connection) -> connection.pttl(key)).whenComplete((ttl, error) -> {
			timer.cancel(false);
			answered.complete(error == null || RedisReplies.isErrorReply(Stages.unwrap(error)));
		});
		return answered;
	}

	/**
	 * Runs {@code task} on the executor, never on Lettuce's thread; inline if the
	 * executor refuses.
	 */
	void handOver(Runnable task) {
		try {
			this.executor.execute(task);
		}
		catch (RuntimeException ex) {
			task.run();
		}
	}

	/** Schedules {@code task} on the timer; {@code null} if the timer is shut down. */
	@Nullable Future<?> schedule(Runnable task, long delayNanos) {
		try {
			return this.scheduler.schedule(this.executor, task, delayNanos, TimeUnit.NANOSECONDS);
		}
		catch (RuntimeException ex) {
			logger.debug("Could not schedule a task of the concurrency limits", ex);
			return null;
		}
	}

	void disconnect() {
		this.commands.disconnect();
		this.subscriber.disconnect();
	}

	void close() {
		this.closed = true;
		this.commands.close();
		this.subscriber.close();
	}

}
