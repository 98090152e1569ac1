package io.lionherd.concurrency.ratelimit.redis;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the waiters of this instance when room frees in a shared window before the time
 * its latest reply named: a hand-back (a grant whose caller left, here or in another
 * instance) publishes on the limiter's channel ({@link WindowScript#RELEASE}), and the
 * limiters of one factory listen on a pub/sub connection of their own, opened off the
 * caller's thread when a waiter of one of them first sleeps (an application whose
 * limiters never make anyone wait opens none), and opened again on the next look after an
 * attempt failed; once open, Lettuce reconnects it and subscribes again by itself.
 */
final class WakeUps {

	private static final Logger logger = LoggerFactory.getLogger(WakeUps.class);

	/** No pub/sub connection: waiters are never woken, {@link #isListening} is false. */
	static final WakeUps NONE = new WakeUps(null, Runnable::run);

	private final @Nullable Supplier<? extends StatefulRedisPubSubConnection<String, String>> connect;

	private final Executor executor;

	/** The limiters of each channel. */
	private final ConcurrentMap<String, List<RedisRateLimiter>> limiters = new ConcurrentHashMap<>();

	/** Channels the server confirmed on the current connection. */
	private final Set<String> confirmed = ConcurrentHashMap.newKeySet();

	/** Guarded by this. */
	private @Nullable CompletableFuture<StatefulRedisPubSubConnection<String, String>> connection;

	/** Guarded by this. */
	private boolean closed;

	/**
	 * @param connect opens a pub/sub connection; may block (runs on {@code executor});
	 * {@code null} for none
	 * @param executor where the connection is opened and limiters are woken
	 */
	WakeUps(@Nullable Supplier<? extends StatefulRedisPubSubConnection<String, String>> connect, Executor executor) {
		this.connect = connect;
		this.executor = executor;
	}

	static String channel(RedisRateLimiter limiter) {
		return limiter.key() + WindowScript.WAKE_SUFFIX;
	}

	/** Listens for hand-backs of {@code limiter}'s window. */
	void register(RedisRateLimiter limiter) {
		if (this.connect == null) {
			return;
		}
		String channel = channel(limiter);
		this.limiters.computeIfAbsent(channel, (key) -> new CopyOnWriteArrayList<>()).add(limiter);
		CompletableFuture<StatefulRedisPubSubConnection<String, String>> current;
		synchronized (this) {
			current = this.connection;
		}
		if (current != null) {
			// Open or opening (it may have listed the channels before this one).
			current.thenAccept((connection) -> connection.async().subscribe(channel));
		}
	}

	/**
	 * Whether a hand-back on {@code channel} reaches this instance now; if not, a waiter
	 * must look again by itself. Opens the connection if it is not open yet, or again if
	 * the last attempt failed.
	 */
	boolean isListening(String channel) {
		if (this.connect == null) {
			return false;
		}
		CompletableFuture<StatefulRedisPubSubConnection<String, String>> current = connection();
		StatefulRedisPubSubConnection<String, String> open = current.getNow(null);
		return open != null && open.isOpen() && this.confirmed.contains(channel);
	}

	private synchronized CompletableFuture<StatefulRedisPubSubConnection<String, String>> connection() {
		Supplier<? extends StatefulRedisPubSubConnection<String, String>> connect = this.connect;
		if (this.closed || connect == null) {
			return CompletableFuture.failedFuture(new IllegalStateException("No pub/sub connection"));
		}
		CompletableFuture<StatefulRedisPubSubConnection<String, String>> current = this.connection;
		if (current == null || current.isCompletedExceptionally()) {
			// Opening blocks (DNS, TCP, handshake):
			// never on a caller's or Lettuce's thread.
			current = CompletableFuture.supplyAsync(() -> listen(connect.get()), this.executor);
			current.exceptionally((error) -> {
				logger.debug("Could not open the pub/sub connection that wakes Redis rate limiter waiters", error);
				return null;
			});
			this.connection = current;
		}
		return current;
	}

	private StatefulRedisPubSubConnection<String, String> listen(StatefulRedisPubSubConnection<String, String> opened) {
		opened.addListener(new RedisPubSubAdapter<>() {

			@Override
			public void subscribed(String channel, long count) {
				WakeUps.this.confirmed.add(channel);
			}

			@Override
			public void message(String channel, String message) {
				wake(channel);
			}

		});
		String[] channels = this.limiters.keySet().toArray(String[]::new);
		if (channels.length > 0) {
			opened.async().subscribe(channels);
		}
		return opened;
	}

	private void wake(String channel) {
		List<RedisRateLimiter> woken = this.limiters.get(channel);
		if (woken == null) {
			return;
		}
		for (RedisRateLimiter limiter : woken) {
			try {
				// Never on Lettuce's thread: the limiter may ask Redis at once.
				this.executor.execute(limiter::wake);
			}
			catch (RuntimeException ex) {
				limiter.wake();
			}
		}
	}

	/** Closes the connection; the next look opens a new one. */
	void disconnect() {
		CompletableFuture<StatefulRedisPubSubConnection<String, String>> current;
		synchronized (this) {
			current = this.connection;
			this.connection = null;
			this.confirmed.clear();
		}
		if (current != null) {
			current.thenAccept(StatefulRedisPubSubConnection::close);
		}
	}

	/** Closes the connection for good. */
	void close() {
		synchronized (this) {
			this.closed = true;
		}
		disconnect();
	}

}
