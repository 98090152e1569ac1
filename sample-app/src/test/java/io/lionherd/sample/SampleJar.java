package io.lionherd.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The repackaged sample jar that {@code package} builds, started as a process of its own
 * by the integration tests ({@code *IT}, run by failsafe in {@code mvn verify}).
 */
final class SampleJar {

	private SampleJar() {
	}

	/**
	 * Starts the jar on the JVM running the tests, its output in {@code log}.
	 * @param jvmOptions options before {@code -jar}
	 * @param arguments the application's arguments
	 * @param log where the output goes
	 * @return the process
	 * @throws IOException if it cannot start
	 */
	static Process start(List<String> jvmOptions, List<String> arguments, Path log) throws IOException {
		String java = ProcessHandle.current()
			.info()
			.command()
			.orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		List<String> command = new ArrayList<>();
		command.add(java);
		command.addAll(jvmOptions);
		command.add("-jar");
		command.add(path().toString());
		command.addAll(arguments);
		return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
	}

	private static Path path() throws IOException {
		try (Stream<Path> files = Files.list(Path.of("target"))) {
			return files
				.filter((file) -> file.getFileName().toString().matches("lionherd-concurrency-sample-app-.*\\.jar"))
				.findFirst()
				.orElseThrow(() -> new IllegalStateException("No repackaged sample jar in target: run mvn verify"));
		}
	}

	/**
	 * Stops {@code process}, forcibly if it does not end within 30 seconds.
	 * @param process the process
	 * @throws InterruptedException if interrupted while waiting
	 */
	static void stop(Process process) throws InterruptedException {
		process.destroy();
		if (!process.waitFor(30, TimeUnit.SECONDS)) {
			process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
		}
	}

	/**
	 * A port free on the loopback address just now.
	 * @return the port
	 */
	static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
