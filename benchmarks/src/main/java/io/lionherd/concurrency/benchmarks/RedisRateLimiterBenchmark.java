package io.lionherd.concurrency.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import io.lionherd.concurrency.ratelimit.redis.RedisRateLimiterFactory;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * The Redis rate limiter against the floor (a raw {@code EVALSHA} of the same script) and
 * against Bucket4j's Lettuce backend, on a real {@code redis-server} (the 6.2 binary
 * shipped in embedded-redis) started on a free loopback port for the run and stopped
 * after it. Every side talks to Redis through Lettuce.
 * <p>
 * Not a JMH benchmark: the goals are on latency percentiles of a round trip (tens of
 * microseconds), so this harness times every call with {@link System#nanoTime()}:
 * <ul>
 * <li><b>paired</b>: one thread alternates {@code limiter.tryAcquire()} with a raw
 * {@code EVALSHA} of the sliding-window script (same connection, same key, same
 * arguments; the order flips each pair), so both sides see the same machine at the same
 * moment; p50 and p99 of each and the ratio of the p50s (goal ≤ 1.1);</li>
 * <li><b>throughput</b>: 1 and 16 caller threads on one key for a fixed time, ours
 * ({@code tryAcquire}, and {@code acquire().join()} which batches the head waiters into
 * one script call) against Bucket4j's {@code tryConsume(1)}, plain (CAS: a GET plus an
 * EVAL per try, retried on contention) and with {@code Optimizations.batching()}; ops/s,
 * p50, p99 (goal: ours ≥ 1.0 × Bucket4j batching's throughput). Limits are set high
 * enough that every call is granted, so the decision itself is measured.</li>
 * </ul>
 * Run from the repository root after {@code mvn -B -q package -DskipTests}:
 * {@code java -cp benchmarks/target/benchmarks.jar io.lionherd.concurrency.benchmarks.RedisRateLimiterBenchmark}.
 * System properties: {@code -Dpaired.calls=40000} (pairs measured per round),
 * {@code -Dpaired.rounds=3}, {@code -Dthroughput.seconds=4} (measured time per side and
 * thread count, after {@code -Dwarmup.seconds=2}), {@code -Drounds=2} (throughput rounds,
 * side order alternated), {@code -Dresults.file=benchmarks/target/RESULTS-redis.md}.
 */
public final class RedisRateLimiterBenchmark {

	private static final String SCRIPT = "/io/lionherd/concurrency/ratelimit/redis/sliding-window.lua";

	/** High enough that no call of the run is denied: the decision is measured. */
	private static final int MAX_CALLS = 10_000_000;

	private static final Duration PERIOD = Duration.ofSeconds(1);

	private RedisRateLimiterBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int pairedCalls = Integer.getInteger("paired.calls", 40_000);
		int pairedRounds = Integer.getInteger("paired.rounds", 3);
		int seconds = Integer.getInteger("throughput.seconds", 4);
		int warmup = Integer.getInteger("warmup.seconds", 2);
		int rounds = Integer.getInteger("rounds", 2);
		Path file = Path.of(System.getProperty("results.file", defaultResultsFile()));
		StringBuilder out = new StringBuilder();
		int port = freePort();
		RedisServer server = RedisServer.newRedisServer()
			.executableProvider(ExecutableProvider.newJarResourceProvider())
			.bind("127.0.0.1")
			.port(port)
			.setting("save \"\"")
			.setting("appendonly no")
			.build();
		server.start();
		RedisClient client = RedisClient.create("redis://127.0.0.1:" + port);
		try (StatefulRedisConnection<String, String> ours = client.connect();
				StatefulRedisConnection<String, byte[]> bucket4j = client
					.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
				RedisRateLimiterFactory factory = RedisRateLimiterFactory.builder(ours).build()) {
			out.append("Generated by `RedisRateLimiterBenchmark` on ")
				.append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
				.append(": ")
				.append(System.getProperty("java.vm.name"))
				.append(' ')
				.append(System.getProperty("java.runtime.version"))
				.append(", ")
				.append(Runtime.getRuntime().availableProcessors())
				.append(" processors, redis-server ")
				.append(ours.sync()
					.info("server")
					.lines()
					.filter((l) -> l.startsWith("redis_version"))
					.findFirst()
					.orElse("?"))
				.append(" (embedded-redis binary) on loopback, load average before ")
				.append(loadAverage())
				.append(".\n\n");
			paired(factory, ours.async(), pairedCalls, pairedRounds, out);
			throughput(factory, bucket4j, seconds, warmup, rounds, out);
			out.append("\nLoad average after: ").append(loadAverage()).append(".\n");
		}
		finally {
			client.shutdown();
			server.stop();
		}
		System.out.println();
		System.out.println(out);
		Files.createDirectories(file.toAbsolutePath().getParent());
		Files.writeString(file, out, StandardCharsets.UTF_8);
		System.out.println("Written to " + file.toAbsolutePath().normalize());
	}

	// ---------------------------------------------------------------- paired

	private static void paired(RedisRateLimiterFactory factory, RedisAsyncCommands<String, String> commands, int calls,
			int rounds, StringBuilder out) throws Exception {
		RateLimiter limiter = factory.create("paired", RateLimiterConfig.of(MAX_CALLS, PERIOD),
				RateLimiterListener.none());
		String key = RedisRateLimiterFactory.DEFAULT_KEY_PREFIX + "{paired}";
		String sha = commands.scriptLoad(script()).get();
		String instance = UUID.randomUUID().toString();
		AtomicLong counter = new AtomicLong();
		String[] keys = { key, key + ":def" };
		String max = Integer.toString(MAX_CALLS);
		String period = Long.toString(PERIOD.toNanos() / 1000);
		String definition = "maxCalls=" + MAX_CALLS + ", period=" + PERIOD;
		Call raw = () -> {
			// What the limiter sends for tryAcquire: a fresh token per call, one permit.
			String[] argv = { max, period, instance + ":" + counter.incrementAndGet(), "1", definition };
			List<Object> reply = commands.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, argv)
				.toCompletableFuture()
				.join();
			return ((Long) reply.get(1)) > 0;
		};
		Call ours = limiter::tryAcquire;
		out.append("### Paired: `tryAcquire()` vs a raw `EVALSHA` of the same script, one thread alternating\n\n");
		out.append("Both on the same Lettuce connection and key, every call granted; ")
			.append(calls)
			.append(" pairs per round after ")
			.append(calls / 2)
			.append(" warm-up pairs, the order flipped every pair. Latency per call in µs.\n\n");
		out.append(
				"| round | ours p50 | raw p50 | **p50 ratio** | ours p99 | raw p99 | p99 ratio | ours mean | raw mean |\n");
		out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		alternate(ours, raw, calls / 2, new long[calls / 2], new long[calls / 2]);
		double[] ratios = new double[rounds];
		for (int round = 1; round <= rounds; round++) {
			long[] a = new long[calls];
			long[] b = new long[calls];
			alternate(ours, raw, calls, a, b);
			Arrays.sort(a);
			Arrays.sort(b);
			double ratio = (double) pct(a, 50) / pct(b, 50);
			ratios[round - 1] = ratio;
			out.append(
					String.format(Locale.ROOT, "| %d | %.1f | %.1f | **%.3f** | %.1f | %.1f | %.2f | %.1f | %.1f |\n",
							round, pct(a, 50) / 1e3, pct(b, 50) / 1e3, ratio, pct(a, 99) / 1e3, pct(b, 99) / 1e3,
							(double) pct(a, 99) / pct(b, 99), mean(a) / 1e3, mean(b) / 1e3));
			System.out.println("paired round " + round + ": p50 ratio " + ratio);
		}
		Arrays.sort(ratios);
		double median = ratios[ratios.length / 2];
		out.append(String.format(Locale.ROOT, "%nMedian p50 ratio over the rounds: **%.3f**; goal ≤ 1.1: **%s**.%n%n",
				median, (median <= 1.1) ? "met" : "NOT met"));
	}

	private static void alternate(Call ours, Call raw, int calls, long[] oursNanos, long[] rawNanos) throws Exception {
		for (int i = 0; i < calls; i++) {
			if ((i & 1) == 0) {
				oursNanos[i] = time(ours);
				rawNanos[i] = time(raw);
			}
			else {
				rawNanos[i] = time(raw);
				oursNanos[i] = time(ours);
			}
		}
	}

	private static long time(Call call) throws Exception {
		long start = System.nanoTime();
		if (!call.run()) {
			throw new IllegalStateException("A call of the benchmark was denied: the limit is too low");
		}
		return System.nanoTime() - start;
	}

	// ---------------------------------------------------------------- throughput

	private static void throughput(RedisRateLimiterFactory factory, StatefulRedisConnection<String, byte[]> bucket4j,
			int seconds, int warmup, int rounds, StringBuilder out) throws Exception {
		LettuceBasedProxyManager<String> proxies = Bucket4jLettuce.casBasedBuilder(bucket4j)
			.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(PERIOD))
			.build();
		BucketConfiguration bucketConfig = BucketConfiguration.builder()
			.addLimit((limit) -> limit.capacity(MAX_CALLS).refillGreedy(MAX_CALLS, PERIOD))
			.build();
		RateLimiter limiter = factory.create("throughput", RateLimiterConfig.of(MAX_CALLS, PERIOD),
				RateLimiterListener.none());
		BucketProxy plain = proxies.builder().build("bucket4j-plain", () -> bucketConfig);
		BucketProxy batching = proxies.builder()
			.withOptimization(Optimizations.batching())
			.build("bucket4j-batching", () -> bucketConfig);
		List<Side> every = List.of(new Side("ours `tryAcquire()`", limiter::tryAcquire),
				new Side("ours `acquire().join()` (batched)", () -> {
					limiter.acquire().join();
					return true;
				}), new Side("Bucket4j Lettuce `tryConsume(1)`", () -> plain.tryConsume(1)),
				new Side("Bucket4j Lettuce + `batching()` `tryConsume(1)`", () -> batching.tryConsume(1)));
		// -Dthroughput.sides=0,3 -Dthroughput.callers=16 reruns one comparison only
		// (indexes into the list above; Bucket4j batching, the reference, must be last).
		List<Side> sides = Arrays.stream(System.getProperty("throughput.sides", "0,1,2,3").split(","))
			.map((index) -> every.get(Integer.parseInt(index.trim())))
			.toList();
		int[] threadCounts = Arrays.stream(System.getProperty("throughput.callers", "1,16").split(","))
			.mapToInt((count) -> Integer.parseInt(count.trim()))
			.toArray();
		// results[threads][side][round]
		Measured[][][] results = new Measured[threadCounts.length][sides.size()][rounds];
		for (int round = 0; round < rounds; round++) {
			for (int t = 0; t < threadCounts.length; t++) {
				for (int k = 0; k < sides.size(); k++) {
					int s = (round % 2 == 0) ? k : sides.size() - 1 - k;
					Side side = sides.get(s);
					run(side.call, threadCounts[t], warmup);
					Measured measured = run(side.call, threadCounts[t], seconds);
					results[t][s][round] = measured;
					System.out.printf(Locale.ROOT, "round %d, %d thread(s), %s: %.0f ops/s, p50 %.1f µs, p99 %.1f µs%n",
							round + 1, threadCounts[t], side.label, measured.opsPerSecond, measured.p50Micros,
							measured.p99Micros);
				}
			}
		}
		out.append("### Throughput: 1 and 16 callers on one key, vs Bucket4j's Lettuce backend\n\n");
		out.append("Each side ")
			.append(warmup)
			.append(" s warm-up then ")
			.append(seconds)
			.append(" s measured, per thread count, in ")
			.append(rounds)
			.append(" round(s) with the side order reversed every round; median of the rounds shown (all rounds ")
			.append("in brackets). Every call granted (max-calls ")
			.append(MAX_CALLS)
			.append(" per ")
			.append(PERIOD.toSeconds())
			.append(" s, Bucket4j capacity and greedy refill the same). Latency per call in µs.\n\n");
		out.append("| callers | side | ops/s | p50 | p99 | ops/s ÷ Bucket4j batching |\n");
		out.append("|---:|---|---:|---:|---:|---:|\n");
		int batchingIndex = sides.size() - 1;
		List<String> verdicts = new ArrayList<>();
		for (int t = 0; t < threadCounts.length; t++) {
			double reference = median(results[t][batchingIndex], (m) -> m.opsPerSecond);
			for (int s = 0; s < sides.size(); s++) {
				Measured[] all = results[t][s];
				double ops = median(all, (m) -> m.opsPerSecond);
				out.append(String.format(Locale.ROOT, "| %d | %s | %,.0f (%s) | %.1f | %.1f | %.2f |%n",
						threadCounts[t], sides.get(s).label, ops, list(all), median(all, (m) -> m.p50Micros),
						median(all, (m) -> m.p99Micros), ops / reference));
				if (s < sides.size() - 1 && sides.get(s).label.startsWith("ours")) {
					verdicts.add(String.format(Locale.ROOT, "%d caller(s), %s: %.2f × → %s", threadCounts[t],
							sides.get(s).label, ops / reference, (ops >= reference) ? "met" : "**NOT met**"));
				}
			}
		}
		out.append("\nGoal: ours ≥ 1.0 × Bucket4j batching's throughput.\n\n");
		for (String verdict : verdicts) {
			out.append("- ").append(verdict).append('\n');
		}
	}

	private static Measured run(Call call, int threads, int seconds) throws Exception {
		long[][] latencies = new long[threads][];
		int[] counts = new int[threads];
		CountDownLatch start = new CountDownLatch(1);
		List<Thread> started = new ArrayList<>();
		long[] window = new long[2];
		long deadlineNanos = seconds * 1_000_000_000L;
		for (int i = 0; i < threads; i++) {
			int index = i;
			Thread thread = new Thread(() -> {
				long[] mine = new long[1 << 16];
				int n = 0;
				try {
					start.await();
					long begin = System.nanoTime();
					long end = begin + deadlineNanos;
					long now = begin;
					while (now < end) {
						if (!call.run()) {
							throw new IllegalStateException("A call of the benchmark was denied");
						}
						long after = System.nanoTime();
						if (n == mine.length) {
							mine = Arrays.copyOf(mine, n * 2);
						}
						mine[n++] = after - now;
						now = after;
					}
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
				latencies[index] = mine;
				counts[index] = n;
			}, "redis-benchmark-" + i);
			thread.start();
			started.add(thread);
		}
		window[0] = System.nanoTime();
		start.countDown();
		for (Thread thread : started) {
			thread.join();
		}
		window[1] = System.nanoTime();
		int total = Arrays.stream(counts).sum();
		long[] all = new long[total];
		int at = 0;
		for (int i = 0; i < threads; i++) {
			System.arraycopy(latencies[i], 0, all, at, counts[i]);
			at += counts[i];
		}
		Arrays.sort(all);
		double elapsedSeconds = (window[1] - window[0]) / 1e9;
		return new Measured(total / elapsedSeconds, pct(all, 50) / 1e3, pct(all, 99) / 1e3);
	}

	// ---------------------------------------------------------------- support

	@FunctionalInterface
	interface Call {

		boolean run() throws Exception;

	}

	record Side(String label, Call call) {
	}

	record Measured(double opsPerSecond, double p50Micros, double p99Micros) {
	}

	interface Value {

		double of(Measured measured);

	}

	private static double median(Measured[] values, Value value) {
		double[] sorted = Arrays.stream(values).mapToDouble(value::of).sorted().toArray();
		int n = sorted.length;
		return (n % 2 == 1) ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	}

	private static String list(Measured[] values) {
		return String.join(", ",
				Arrays.stream(values).map((m) -> String.format(Locale.ROOT, "%,.0f", m.opsPerSecond)).toList());
	}

	private static long pct(long[] sorted, int percentile) {
		int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
	}

	private static double mean(long[] values) {
		return Arrays.stream(values).average().orElse(Double.NaN);
	}

	private static String script() {
		try (InputStream in = RedisRateLimiterFactory.class.getResourceAsStream(SCRIPT)) {
			if (in == null) {
				throw new IllegalStateException("Missing " + SCRIPT);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String defaultResultsFile() {
		return Files.isRegularFile(Path.of("benchmarks", "pom.xml")) ? "benchmarks/target/RESULTS-redis.md"
				: "target/RESULTS-redis.md";
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	private static String loadAverage() {
		try {
			String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return parts[0] + ", " + parts[1] + ", " + parts[2];
		}
		catch (IOException | RuntimeException ex) {
			return "n/a";
		}
	}

}
