package io.lionherd.concurrency.redis.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import org.jspecify.annotations.Nullable;

/**
 * The connection the limiters of one factory share (the rate limiters', the concurrency
 * limits'). Opened on first use, off the caller's thread, and opened again on the next
 * use after an attempt failed (the server was down at startup); once open, Lettuce
 * reconnects it by itself.
 */
public final class Connector {

	/** How long a stop waits for a connection that is being opened. */
	private static final Duration OPENING_WAIT = Duration.ofSeconds(15);

	private final @Nullable Supplier<? extends StatefulConnection<String, String>> connect;

	private final Function<StatefulConnection<String, String>, RedisClusterAsyncCommands<String, String>> commands;

	private final Executor executor;

	private final boolean owned;

	/** Guarded by this. */
	private boolean closed;

	/** Guarded by this. */
	private @Nullable CompletableFuture<StatefulConnection<String, String>> connection;

	private volatile @Nullable RedisClusterAsyncCommands<String, String> open;

	private volatile @Nullable StatefulConnection<String, String> openConnection;

	public Connector(Supplier<? extends StatefulConnection<String, String>> connect,
			Function<StatefulConnection<String, String>, RedisClusterAsyncCommands<String, String>> commands,
			Executor executor) {
		this.connect = connect;
		this.commands = commands;
		this.executor = executor;
		this.owned = true;
	}

	/** A connection opened, and closed, by its owner. */
	public Connector(StatefulConnection<String, String> connection,
			Function<StatefulConnection<String, String>, RedisClusterAsyncCommands<String, String>> commands) {
		this.connect = null;
		this.commands = commands;
		this.executor = Runnable::run;
		this.owned = false;
		this.connection = CompletableFuture.completedFuture(connection);
		this.open = commands.apply(connection);
		this.openConnection = connection;
	}

	/**
	 * The commands of the open connection: at once when it is open, else when an attempt
	 * to open it succeeds.
	 * @return the commands, or a failed future if the connection could not be opened
	 */
	public CompletableFuture<RedisClusterAsyncCommands<String, String>> commands() {
		RedisClusterAsyncCommands<String, String> open = this.open;
		if (open != null) {
			return CompletableFuture.completedFuture(open);
		}
		CompletableFuture<StatefulConnection<String, String>> opening = connection();
		return opening.thenApply((connection) -> {
			RedisClusterAsyncCommands<String, String> commands = this.commands.apply(connection);
			synchronized (this) {
				// Not once disconnected meanwhile: the next use opens a new connection.
				if (this.connection == opening) {
					this.open = commands;
					this.openConnection = connection;
				}
			}
			return commands;
		});
	}

	/**
	 * Whether the connection was open and is lost now (Lettuce is reconnecting): calls
	 * made now fail after the command timeout.
	 */
	public boolean isDown() {
		StatefulConnection<String, String> connection = this.openConnection;
		return connection != null && !connection.isOpen();
	}

	/**
	 * Whether the latest attempt to open the connection failed (the server was down at
	 * startup, say): the next use tries again.
	 */
	public synchronized boolean failedToOpen() {
		CompletableFuture<StatefulConnection<String, String>> current = this.connection;
		return current != null && current.isCompletedExceptionally();
	}

	/** The commands of the open connection, {@code null} until it is open. */
	public @Nullable RedisClusterAsyncCommands<String, String> openCommands() {
		return this.open;
	}

	private synchronized CompletableFuture<StatefulConnection<String, String>> connection() {
		if (this.closed) {
			return CompletableFuture.failedFuture(new IllegalStateException("The Redis limiters are closed"));
		}
		CompletableFuture<StatefulConnection<String, String>> current = this.connection;
		if (current == null || current.isCompletedExceptionally()) {
			Supplier<? extends StatefulConnection<String, String>> connect = this.connect;
			if (connect == null) {
				throw new IllegalStateException("No connection");
			}
			// Opening blocks (DNS, TCP, handshake):
			// never on a caller's or Lettuce's thread.
			current = CompletableFuture.supplyAsync(connect::get, this.executor);
			this.connection = current;
		}
		return current;
	}

	/**
	 * Closes the connection if this connector opened it; the next use opens a new one.
	 * For a stop before the client's own (its connections go with it).
	 */
	public void disconnect() {
		CompletableFuture<StatefulConnection<String, String>> current;
		synchronized (this) {
			if (!this.owned) {
				return;
			}
			current = this.connection;
			this.connection = null;
			this.open = null;
			this.openConnection = null;
		}
		closeWhenOpen(current);
	}

	/** Closes the connection if this connector opened it, for good. */
	public void close() {
		CompletableFuture<StatefulConnection<String, String>> current;
		synchronized (this) {
			current = this.connection;
			this.closed = true;
		}
		this.open = null;
		if (this.owned) {
			closeWhenOpen(current);
		}
	}

	/**
	 * Closes the connection, after waiting for it if it is still being opened: closed
	 * later, it could be closed after its client shut down, which closes it too.
	 */
	private static void closeWhenOpen(@Nullable CompletableFuture<StatefulConnection<String, String>> connection) {
		if (connection == null) {
			return;
		}
		try {
			// An opening ends within the client's connect timeout.
			connection.get(OPENING_WAIT.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			// Failed: nothing to close. Still opening: closed when it opens.
		}
		connection.thenAccept(StatefulConnection::close);
	}

}
