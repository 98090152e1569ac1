package io.lionherd.concurrency.ratelimit.redis;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * A real {@code redis-server} run as a process on a free loopback port, without
 * persistence: by default the 6.2 binary shipped in
 * {@code com.github.codemonstur:embedded-redis}, so nothing needs installing. The system
 * property {@value #EXECUTABLE_PROPERTY} selects another one: {@code path} for the
 * {@code redis-server} on the PATH (Debian's 7.0, say), or a file. Can be stopped and
 * started again on the same port (fault tests).
 */
public final class RedisServerProcess implements AutoCloseable {

	static final String EXECUTABLE_PROPERTY = "lionherd.test.redis-server";

	private static final int START_ATTEMPTS = 3;

	private final int port;

	private final RedisServer server;

	private RedisServerProcess(int port) {
		this.port = port;
		try {
			this.server = RedisServer.newRedisServer()
				.executableProvider(executable())
				.bind("127.0.0.1")
				.port(port)
				.setting("save \"\"")
				.setting("appendonly no")
				.build();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Starts a server on a free port; on another port if another process took that one
	 * between the look-up and the start.
	 */
	public static RedisServerProcess start() {
		UncheckedIOException failure = null;
		for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
			RedisServerProcess process = new RedisServerProcess(freePort());
			try {
				process.startAgain();
				return process;
			}
			catch (UncheckedIOException ex) {
				if (failure == null) {
					failure = ex;
				}
				else {
					failure.addSuppressed(ex);
				}
			}
		}
		throw failure;
	}

	public int port() {
		return this.port;
	}

	public String uri() {
		return "redis://127.0.0.1:" + this.port;
	}

	/** Starts the stopped server again, on the same port and empty. */
	public void startAgain() {
		try {
			this.server.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public void stop() {
		try {
			this.server.stop();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public boolean isActive() {
		return this.server.isActive();
	}

	@Override
	public void close() {
		if (this.server.isActive()) {
			stop();
		}
	}

	private static ExecutableProvider executable() throws IOException {
		String selected = System.getProperty(EXECUTABLE_PROPERTY, "");
		if (selected.isBlank()) {
			return ExecutableProvider.newJarResourceProvider();
		}
		if (selected.equals("path")) {
			return ExecutableProvider.newExecutableInPath("redis-server");
		}
		File file = new File(selected);
		return () -> file;
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
