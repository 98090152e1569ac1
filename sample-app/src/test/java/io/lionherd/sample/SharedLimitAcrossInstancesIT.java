package io.lionherd.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three JVMs share one limit: the repackaged sample jar started three times with the
 * {@code redis} profile on three ports, against one real {@code redis-server} (the binary
 * shipped in embedded-redis), hammered together on {@code GET /api/rate-limited} for more
 * than one period. Judged on the server's own grant times, read from the limiter's sorted
 * set while the run goes on (every grant stays in it for one period, and it is read far
 * more often): no window of {@code period} holds more than {@code max-calls} grants,
 * although each instance alone would allow {@code max-calls} per window.
 * <p>
 * An integration test (failsafe, {@code mvn verify}) because it needs the jar that
 * {@code package} builds.
 */
class SharedLimitAcrossInstancesIT {

	private static final int MAX_CALLS = 5;

	private static final Duration PERIOD = Duration.ofSeconds(4);

	/** More than one period, so the run spans several windows. */
	private static final Duration HAMMER = Duration.ofSeconds(6);

	private static final int INSTANCES = 3;

	private static final int CALLERS_PER_INSTANCE = 4;

	private static final String KEY = "lionherd:ratelimiter:{sample}";

	@Test
	void threeInstancesWithTheRedisProfileNeverGrantMoreThanMaxCallsInAnyWindow() throws Exception {
		int redisPort = SampleJar.freePort();
		RedisServer server = RedisServer.newRedisServer()
			.executableProvider(ExecutableProvider.newJarResourceProvider())
			.bind("127.0.0.1")
			.port(redisPort)
			.setting("save \"\"")
			.setting("appendonly no")
			.build();
		server.start();
		List<Process> processes = new ArrayList<>();
		RedisClient client = RedisClient.create("redis://127.0.0.1:" + redisPort);
		ExecutorService callers = Executors.newFixedThreadPool(INSTANCES * CALLERS_PER_INSTANCE + 1);
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			List<Integer> ports = new ArrayList<>();
			for (int i = 0; i < INSTANCES; i++) {
				int port = SampleJar.freePort();
				ports.add(port);
				processes.add(startInstance(i, port, redisPort));
			}
			HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
			for (int i = 0; i < INSTANCES; i++) {
				int port = ports.get(i);
				Process process = processes.get(i);
				await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> {
					assertThat(process.isAlive()).as("instance on port %d is running", port).isTrue();
					return status(http, port, "/actuator/health") == 200;
				});
			}

			// Every grant (member -> server time in µs) seen in the window's sorted set.
			Map<String, Double> grants = new ConcurrentHashMap<>();
			AtomicBoolean watching = new AtomicBoolean(true);
			Future<?> watcher = callers.submit(() -> {
				while (watching.get()) {
					record(connection, grants);
					sleep(50);
				}
			});
			AtomicInteger ok = new AtomicInteger();
			List<Integer> others = new ArrayList<>();
			long end = System.nanoTime() + HAMMER.toNanos();
			List<Future<?>> calls = new ArrayList<>();
			for (int i = 0; i < INSTANCES * CALLERS_PER_INSTANCE; i++) {
				int port = ports.get(i % INSTANCES);
				calls.add(callers.submit(() -> {
					while (System.nanoTime() < end) {
						int status = status(http, port, "/api/rate-limited");
						if (status == 200) {
							ok.incrementAndGet();
						}
						else {
							synchronized (others) {
								others.add(status);
							}
						}
					}
					return null;
				}));
			}
			for (Future<?> call : calls) {
				call.get(2, TimeUnit.MINUTES);
			}
			watching.set(false);
			watcher.get(1, TimeUnit.MINUTES);
			record(connection, grants);

			assertThat(others).as("answers other than 200").isEmpty();
			List<Double> times = grants.values().stream().sorted().toList();
			// Every 200 is a grant the server recorded.
			assertThat(times).hasSizeGreaterThanOrEqualTo(ok.get());
			// Several windows' worth: the hammering outlasted a period.
			assertThat(ok.get()).isGreaterThan(MAX_CALLS);
			long periodMicros = PERIOD.toNanos() / 1000;
			List<String> crowded = new ArrayList<>();
			for (int i = 0; i + MAX_CALLS < times.size(); i++) {
				// Half-open windows (t - period, t]: MAX_CALLS + 1 grants closer than a
				// period would be one too many.
				if (times.get(i + MAX_CALLS) - times.get(i) < periodMicros) {
					crowded.add("grants " + i + ".." + (i + MAX_CALLS) + " within "
							+ (times.get(i + MAX_CALLS) - times.get(i)) + " µs");
				}
			}
			assertThat(crowded).as("windows of %s holding more than %d grants", PERIOD, MAX_CALLS).isEmpty();
			double elapsedMicros = times.get(times.size() - 1) - times.get(0);
			assertThat(ok.get()).isLessThanOrEqualTo(MAX_CALLS * ((int) (elapsedMicros / periodMicros) + 1));
		}
		finally {
			callers.shutdownNow();
			for (Process process : processes) {
				process.destroy();
			}
			for (Process process : processes) {
				SampleJar.stop(process);
			}
			client.shutdown();
			server.stop();
		}
	}

	private static Process startInstance(int index, int port, int redisPort) throws IOException {
		return SampleJar.start(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), List.of("--spring.profiles.active=redis",
				"--server.port=" + port, "--server.address=127.0.0.1", "--spring.data.redis.host=127.0.0.1",
				"--spring.data.redis.port=" + redisPort,
				// Generous: three JVMs and the server share a small machine.
				"--spring.data.redis.timeout=10s", "--lionherd.concurrency.rate-limiters.sample.max-calls=" + MAX_CALLS,
				"--lionherd.concurrency.rate-limiters.sample.period=" + PERIOD.toMillis() + "ms",
				// Callers wait for their permit (nobody gives one up, so none is handed
				// back).
				"--lionherd.concurrency.rate-limiters.sample.timeout=60s", "--spring.mvc.async.request-timeout=120s"),
				Path.of("target", "shared-limit-instance-" + index + ".log"));
	}

	private static int status(HttpClient http, int port, String path) {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(90))
			.build();
		try {
			return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
		}
		catch (IOException ex) {
			return -1;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return -2;
		}
	}

	private static void record(StatefulRedisConnection<String, String> connection, Map<String, Double> grants) {
		for (ScoredValue<String> entry : connection.sync().zrangeWithScores(KEY, 0, -1)) {
			grants.put(entry.getValue(), entry.getScore());
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
