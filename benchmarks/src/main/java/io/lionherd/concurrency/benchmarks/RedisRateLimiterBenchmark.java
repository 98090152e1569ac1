package io.lionherd.concurrency.benchmarks;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
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
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.management.OperatingSystemMXBean;
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
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import io.lionherd.concurrency.ratelimit.redis.RedisRateLimiterFactory;
import org.jspecify.annotations.Nullable;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * The Redis rate limiter against the floor (a raw {@code EVALSHA} of the same script) and
 * against Bucket4j's Lettuce backend, on a real {@code redis-server} started on a free
 * loopback port for the run and stopped after it: {@code /usr/bin/redis-server} (Debian's
 * 7.0) when there is one, else the 6.2 binary shipped in embedded-redis
 * ({@code -Dredis.server=embedded|PATH} chooses). Every side talks to Redis through
 * Lettuce.
 * <p>
 * Not a JMH benchmark: the goals are on latency percentiles of a round trip (tens of
 * microseconds) and on throughput ratios measured in the same run, so this harness times
 * every call with {@link System#nanoTime()}. Lanes:
 * <ul>
 * <li><b>paired, sync</b>: one thread alternates {@code limiter.tryAcquire()} with a raw
 * {@code EVALSHA} of the sliding-window script (same connection, same key, same
 * arguments; the order flips each pair), so both sides see the same machine at the same
 * moment; p50 and p99 of each and the ratio of the p50s (goal ≤ 1.1);</li>
 * <li><b>paired, one async call in flight</b>: the same with
 * {@code tryAcquireAsync().join()} against the raw async {@code EVALSHA}; p50, p99 and
 * the one-in-flight throughput ratio (raw mean ÷ ours mean);</li>
 * <li><b>paired, 2 limits vs 1</b>: {@code tryAcquire()} of a limiter of two limits
 * against one of one limit (goal ≤ 1.15); skipped, with a note, while the backend refuses
 * several limits;</li>
 * <li><b>throughput</b>: 16 caller threads (or {@code -Dthroughput.callers=1,16}) on one
 * key for a fixed time: ours {@code tryAcquire()}, {@code tryAcquireAsync().join()} and
 * {@code acquire().join()}, a raw {@code EVALSHA} per call (no batching: the floor of one
 * command per decision), against Bucket4j's {@code tryConsume(1)} with
 * {@code Optimizations.batching()} (the reference; goal ours ≥ 1.0 ×); and ours with two
 * limits against Bucket4j batching with two bandwidths. Each ratio is taken within a
 * round (both sides measured back to back) and the median of the rounds shown; when the
 * rounds' ratios fall on both sides of the goal the verdict is "within noise". Limits are
 * set high enough that every call is granted, so the decision itself is measured.</li>
 * </ul>
 * Run from the repository root after
 * {@code mvn -B -q -pl benchmarks -am package -DskipTests}:
 * {@code java -cp benchmarks/target/benchmarks.jar io.lionherd.concurrency.benchmarks.RedisRateLimiterBenchmark}.
 * System properties: {@code -Dpaired.calls=20000} (pairs measured per round),
 * {@code -Dpaired.rounds=3}, {@code -Dthroughput.seconds=1} (measured time per side,
 * caller count and round, after {@code -Dwarmup.seconds=2} once per side),
 * {@code -Drounds=9} (throughput rounds, side order alternated),
 * {@code -Dthroughput.sides=0,1,2,3,4,6,7} (indexes of the sides, see
 * {@link #throughput}), {@code -Dlanes=paired,async,asyncDirect,twoLimits,throughput},
 * {@code -Dresults.file=benchmarks/target/RESULTS-redis.md}.
 */
public final class RedisRateLimiterBenchmark {

	private static final String SCRIPT = "/io/lionherd/concurrency/ratelimit/redis/sliding-window.lua";

	/** High enough that no call of the run is denied: the decision is measured. */
	private static final int MAX_CALLS = 10_000_000;

	private static final Duration PERIOD = Duration.ofSeconds(1);

	private static final String DEBIAN_SERVER = "/usr/bin/redis-server";

	private RedisRateLimiterBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int pairedCalls = Integer.getInteger("paired.calls", 20_000);
		int pairedRounds = Integer.getInteger("paired.rounds", 3);
		int seconds = Integer.getInteger("throughput.seconds", 1);
		int warmup = Integer.getInteger("warmup.seconds", 2);
		int rounds = Integer.getInteger("rounds", 9);
		List<String> lanes = Arrays
			.stream(System.getProperty("lanes", "paired,async,asyncDirect,twoLimits,throughput").split(","))
			.map(String::trim)
			.toList();
		Path file = Path.of(System.getProperty("results.file", defaultResultsFile()));
		StringBuilder out = new StringBuilder();
		int port = freePort();
		ExecutableProvider executable = executable();
		RedisServer server = RedisServer.newRedisServer()
			.executableProvider(executable)
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
					.orElse("?")
					.trim())
				.append(" (")
				.append(executable.get())
				.append(") on loopback, load average before ")
				.append(loadAverage())
				.append(".\n\n");
			RedisAsyncCommands<String, String> commands = ours.async();
			String sha = commands.scriptLoad(script()).get();
			if (lanes.contains("paired")) {
				RateLimiter limiter = factory.create("paired", RateLimiterConfig.of(MAX_CALLS, PERIOD),
						RateLimiterListener.none());
				paired("Paired: `tryAcquire()` vs a raw `EVALSHA` of the same script, one thread alternating",
						limiter::tryAcquire, "raw", raw(commands, sha, "paired"), 1.1, pairedCalls, pairedRounds, out);
			}
			if (lanes.contains("async")) {
				RateLimiter limiter = factory.create("async", RateLimiterConfig.of(MAX_CALLS, PERIOD),
						RateLimiterListener.none());
				paired("One async call in flight: `tryAcquireAsync().join()` vs a raw async `EVALSHA`, one thread "
						+ "alternating", () -> limiter.tryAcquireAsync().join(), "raw", raw(commands, sha, "async"),
						Double.NaN, pairedCalls, pairedRounds, out);
			}
			if (lanes.contains("asyncDirect")) {
				// Not the default: continuations then run on Lettuce's event loop. Shows
				// what
				// the hand-over to the wake-up executor costs.
				try (RedisRateLimiterFactory direct = RedisRateLimiterFactory.builder(ours)
					.executor(Runnable::run)
					.build()) {
					RateLimiter limiter = direct.create("async-direct", RateLimiterConfig.of(MAX_CALLS, PERIOD),
							RateLimiterListener.none());
					paired("One async call in flight, completed on Lettuce's thread (`executor(Runnable::run)`, not "
							+ "the default): `tryAcquireAsync().join()` vs a raw async `EVALSHA`",
							() -> limiter.tryAcquireAsync().join(), "raw", raw(commands, sha, "async-direct"),
							Double.NaN, pairedCalls, pairedRounds, out);
				}
			}
			if (lanes.contains("twoLimits")) {
				RateLimiter two = twoLimits(factory, "paired-two", out);
				if (two != null) {
					RateLimiter one = factory.create("paired-one", RateLimiterConfig.of(MAX_CALLS, PERIOD),
							RateLimiterListener.none());
					paired("2 limits vs 1: `tryAcquire()` of a limiter of two limits vs one of one limit, one thread "
							+ "alternating", two::tryAcquire, "1 limit", one::tryAcquire, 1.15, pairedCalls,
							pairedRounds, out);
				}
			}
			if (lanes.contains("throughput")) {
				throughput(factory, commands, sha, bucket4j, ours.sync(), seconds, warmup, rounds, out);
			}
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

	/**
	 * What the limiter sends for {@code tryAcquire}, sent raw: the same script, keys and
	 * arguments, a fresh token per call, one permit.
	 */
	private static Call raw(RedisAsyncCommands<String, String> commands, String sha, String name) {
		String key = RedisRateLimiterFactory.DEFAULT_KEY_PREFIX + "{" + name + "}";
		String instance = UUID.randomUUID().toString();
		AtomicLong counter = new AtomicLong();
		String[] keys = { key, key + ":sums", key + ":def" };
		String max = Integer.toString(MAX_CALLS);
		String period = Long.toString(PERIOD.toNanos() / 1000);
		String definition = "limits=[" + MAX_CALLS + " permits per " + PERIOD + "]";
		return () -> {
			// one permits-limit (max, period, not calls), one request of 1 permit, a try
			// (-2)
			String[] argv = { definition, instance + ":" + counter.incrementAndGet(), max, period, "0", "1", "-2" };
			List<Object> reply = commands.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, argv)
				.toCompletableFuture()
				.join();
			return ((Long) reply.get(3)) == 1;
		};
	}

	/**
	 * A limiter of two limits (the analogue of "500 requests and 200 000 tokens per
	 * minute"), or {@code null}, with a note in the results, while the backend refuses
	 * several limits.
	 */
	private static @Nullable RateLimiter twoLimits(RedisRateLimiterFactory factory, String name, StringBuilder out) {
		try {
			return factory.create(name,
					RateLimiterConfig.of(Limit.calls(MAX_CALLS, PERIOD), Limit.permits(2L * MAX_CALLS, PERIOD)),
					RateLimiterListener.none());
		}
		catch (UnsupportedOperationException ex) {
			String note = "Skipped the 2-limit lane `" + name + "`: the Redis backend refuses several limits ("
					+ ex.getMessage() + ").";
			System.out.println(note);
			out.append("_").append(note).append("_\n\n");
			return null;
		}
	}

	// ---------------------------------------------------------------- paired

	static void paired(String title, Call ours, String otherName, Call other, double goal, int calls, int rounds,
			StringBuilder out) throws Exception {
		out.append("### ").append(title).append("\n\n");
		out.append("Every call granted; ")
			.append(calls)
			.append(" pairs per round after ")
			.append(calls / 2)
			.append(" warm-up pairs, the order flipped every pair. Latency per call in µs; throughput ratio = ")
			.append(otherName)
			.append(" mean ÷ ours mean (what one caller, one call at a time, gets). Load average before: ")
			.append(loadAverage())
			.append(".\n\n");
		out.append("| round | ours p50 | ")
			.append(otherName)
			.append(" p50 | **p50 ratio** | ours p99 | ")
			.append(otherName)
			.append(" p99 | p99 ratio | ours mean | ")
			.append(otherName)
			.append(" mean | throughput ratio |\n");
		out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		alternate(ours, other, calls / 2, new long[calls / 2], new long[calls / 2]);
		double[] ratios = new double[rounds];
		double[] p99Ratios = new double[rounds];
		double[] throughputRatios = new double[rounds];
		for (int round = 1; round <= rounds; round++) {
			long[] a = new long[calls];
			long[] b = new long[calls];
			alternate(ours, other, calls, a, b);
			Arrays.sort(a);
			Arrays.sort(b);
			double ratio = (double) pct(a, 50) / pct(b, 50);
			ratios[round - 1] = ratio;
			p99Ratios[round - 1] = (double) pct(a, 99) / pct(b, 99);
			throughputRatios[round - 1] = mean(b) / mean(a);
			out.append(String.format(Locale.ROOT,
					"| %d | %.1f | %.1f | **%.3f** | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f |\n", round,
					pct(a, 50) / 1e3, pct(b, 50) / 1e3, ratio, pct(a, 99) / 1e3, pct(b, 99) / 1e3, p99Ratios[round - 1],
					mean(a) / 1e3, mean(b) / 1e3, throughputRatios[round - 1]));
			System.out.println(title + ", round " + round + ": p50 ratio " + ratio);
		}
		double median = median(ratios);
		out.append(String.format(Locale.ROOT,
				"%nMedian over the rounds: p50 ratio **%.3f**, p99 ratio %.2f, throughput ratio %.2f", median,
				median(p99Ratios), median(throughputRatios)));
		if (!Double.isNaN(goal)) {
			out.append(String.format(Locale.ROOT, "; goal p50 ratio ≤ %s: **%s**", goal, verdict(ratios, goal, false)));
		}
		out.append(".\n\n");
	}

	private static void alternate(Call ours, Call other, int calls, long[] oursNanos, long[] otherNanos)
			throws Exception {
		for (int i = 0; i < calls; i++) {
			if ((i & 1) == 0) {
				oursNanos[i] = time(ours);
				otherNanos[i] = time(other);
			}
			else {
				otherNanos[i] = time(other);
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

	/**
	 * "met", "NOT met", or "within noise" when the rounds' ratios fall on both sides of
	 * the goal (as BenchmarkRunner gives no verdict within the error).
	 * @param atLeast whether the goal is ratio ≥ bound (else ≤ bound)
	 */
	private static String verdict(double[] ratios, double bound, boolean atLeast) {
		double[] sorted = ratios.clone();
		Arrays.sort(sorted);
		boolean lowMet = atLeast ? sorted[0] >= bound : sorted[0] <= bound;
		boolean highMet = atLeast ? sorted[sorted.length - 1] >= bound : sorted[sorted.length - 1] <= bound;
		if (lowMet && highMet) {
			return "met";
		}
		if (!lowMet && !highMet) {
			return "NOT met";
		}
		return "within noise (rounds " + String.join(", ",
				Arrays.stream(ratios).mapToObj((r) -> String.format(Locale.ROOT, "%.2f", r)).toList()) + ")";
	}

	// ---------------------------------------------------------------- throughput

	/**
	 * The throughput lane. Sides, by index: 0 ours {@code tryAcquire()}, 1 ours
	 * {@code tryAcquireAsync().join()}, 2 ours {@code acquire().join()}, 3 raw
	 * {@code EVALSHA} per call, 4 Bucket4j batching (the reference of 0-3), 5 Bucket4j
	 * plain (CAS), 6 Bucket4j batching with two bandwidths (the reference of 7), 7 ours
	 * {@code tryAcquire()} with two limits (skipped while unsupported).
	 */
	private static void throughput(RedisRateLimiterFactory factory, RedisAsyncCommands<String, String> commands,
			String sha, StatefulRedisConnection<String, byte[]> bucket4j, RedisCommands<String, String> server,
			int seconds, int warmup, int rounds, StringBuilder out) throws Exception {
		LettuceBasedProxyManager<String> proxies = Bucket4jLettuce.casBasedBuilder(bucket4j)
			.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(PERIOD))
			.build();
		BucketConfiguration bucketConfig = BucketConfiguration.builder()
			.addLimit((limit) -> limit.capacity(MAX_CALLS).refillGreedy(MAX_CALLS, PERIOD))
			.build();
		BucketConfiguration twoBandwidths = BucketConfiguration.builder()
			.addLimit((limit) -> limit.capacity(MAX_CALLS).refillGreedy(MAX_CALLS, PERIOD))
			.addLimit((limit) -> limit.capacity(2L * MAX_CALLS).refillGreedy(2L * MAX_CALLS, PERIOD))
			.build();
		RateLimiter limiter = factory.create("throughput", RateLimiterConfig.of(MAX_CALLS, PERIOD),
				RateLimiterListener.none());
		RateLimiter async = factory.create("throughput-async", RateLimiterConfig.of(MAX_CALLS, PERIOD),
				RateLimiterListener.none());
		RateLimiter waiting = factory.create("throughput-acquire", RateLimiterConfig.of(MAX_CALLS, PERIOD),
				RateLimiterListener.none());
		BucketProxy plain = proxies.builder().build("bucket4j-plain", () -> bucketConfig);
		BucketProxy batching = proxies.builder()
			.withOptimization(Optimizations.batching())
			.build("bucket4j-batching", () -> bucketConfig);
		BucketProxy batchingTwo = proxies.builder()
			.withOptimization(Optimizations.batching())
			.build("bucket4j-batching-two", () -> twoBandwidths);
		StringBuilder notes = new StringBuilder();
		RateLimiter two = twoLimits(factory, "throughput-two", notes);
		String reference = "Bucket4j Lettuce + `batching()` `tryConsume(1)`";
		String referenceTwo = "Bucket4j Lettuce + `batching()`, two bandwidths, `tryConsume(1)`";
		List<Side> every = new ArrayList<>(List.of(new Side("ours `tryAcquire()`", limiter::tryAcquire, reference),
				new Side("ours `tryAcquireAsync().join()`", () -> async.tryAcquireAsync().join(), reference),
				new Side("ours `acquire().join()`", () -> {
					waiting.acquire().join();
					return true;
				}, reference),
				new Side("raw `EVALSHA` per call (no batching)", raw(commands, sha, "throughput-raw"), reference),
				new Side(reference, () -> batching.tryConsume(1), null),
				new Side("Bucket4j Lettuce `tryConsume(1)` (CAS)", () -> plain.tryConsume(1), reference),
				new Side(referenceTwo, () -> batchingTwo.tryConsume(1), reference)));
		every.add((two != null) ? new Side("ours `tryAcquire()`, two limits", two::tryAcquire, referenceTwo) : null);
		List<Side> sides = Arrays.stream(System.getProperty("throughput.sides", "0,1,2,3,4,6,7").split(","))
			.map((index) -> every.get(Integer.parseInt(index.trim())))
			.filter(Objects::nonNull)
			.toList();
		int[] threadCounts = Arrays.stream(System.getProperty("throughput.callers", "16").split(","))
			.mapToInt((count) -> Integer.parseInt(count.trim()))
			.toArray();
		String loadBefore = loadAverage();
		// results[threads][side][round]
		Measured[][][] results = new Measured[threadCounts.length][sides.size()][rounds];
		for (int t = 0; t < threadCounts.length; t++) {
			for (Side side : sides) {
				run(side.call, threadCounts[t], warmup, server);
			}
		}
		for (int round = 0; round < rounds; round++) {
			for (int t = 0; t < threadCounts.length; t++) {
				for (int k = 0; k < sides.size(); k++) {
					int s = (round % 2 == 0) ? k : sides.size() - 1 - k;
					Side side = sides.get(s);
					Measured measured = run(side.call, threadCounts[t], seconds, server);
					results[t][s][round] = measured;
					System.out.printf(Locale.ROOT,
							"round %d, %d thread(s), %s: %.0f ops/s, p50 %.1f µs, p99 %.1f µs, client CPU %.1f µs/op, "
									+ "server CPU %.1f µs/op, %.3f script calls/op%n",
							round + 1, threadCounts[t], side.label, measured.opsPerSecond, measured.p50Micros,
							measured.p99Micros, measured.clientCpuMicros, measured.serverCpuMicros,
							measured.scriptCallsPerOp);
				}
			}
		}
		out.append("### Throughput: callers on one key, vs Bucket4j's Lettuce backend with `batching()`\n\n");
		out.append(notes);
		out.append("Each side warmed up ")
			.append(warmup)
			.append(" s once, then measured ")
			.append(seconds)
			.append(" s per round and caller count, in ")
			.append(rounds)
			.append(" rounds with the side order reversed every round (short rounds, so that a side and its ")
			.append("reference see the machine within seconds of each other); the ratio to the reference is taken ")
			.append("within each round, median shown (all rounds in brackets). Every call granted (max-calls ")
			.append(MAX_CALLS)
			.append(" per ")
			.append(PERIOD.toSeconds())
			.append(" s; two limits: ")
			.append(MAX_CALLS)
			.append(" calls and ")
			.append(2L * MAX_CALLS)
			.append(" permits per s; Bucket4j capacities and greedy refills the same). Latency per call in µs. ")
			.append("CPU per decision: this JVM's process CPU time (every thread: callers, Lettuce, timer, wake-up ")
			.append("executor, JIT and GC) and the server's (`INFO cpu`), each divided by the decisions of the round; ")
			.append("script calls (`EVALSHA`, `EVAL`) per decision from `INFO commandstats` (batching shows as < 1; ")
			.append("Bucket4j's CAS also reads the bucket with a `GET` per batch, not counted). On a machine whose cores are ")
			.append("shared with other work, CPU per decision is steadier than throughput, which depends on ")
			.append("what else got the cores. ")
			.append("Load average before: ")
			.append(loadBefore)
			.append(", after: ")
			.append(loadAverage())
			.append(".\n\n");
		out.append("| callers | side | ops/s | p50 | p99 | ÷ reference (rounds) | client CPU µs/op (÷ reference) "
				+ "| server CPU µs/op | script calls/op | reference |\n");
		out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
		List<String> verdicts = new ArrayList<>();
		for (int t = 0; t < threadCounts.length; t++) {
			for (int s = 0; s < sides.size(); s++) {
				Side side = sides.get(s);
				Measured[] all = results[t][s];
				double ops = median(all, (m) -> m.opsPerSecond);
				int r = indexOf(sides, side.reference);
				String ratioCell = "–";
				if (r >= 0) {
					double[] ratios = new double[rounds];
					for (int round = 0; round < rounds; round++) {
						ratios[round] = all[round].opsPerSecond / results[t][r][round].opsPerSecond;
					}
					double ratio = median(ratios);
					ratioCell = String.format(Locale.ROOT, "**%.2f** (%s)", ratio, String.join(", ",
							Arrays.stream(ratios).mapToObj((x) -> String.format(Locale.ROOT, "%.2f", x)).toList()));
					if (side.label.startsWith("ours")) {
						verdicts.add(String.format(Locale.ROOT, "%d caller(s), %s: %.2f × %s → %s", threadCounts[t],
								side.label, ratio, side.reference, verdict(ratios, 1.0, true)));
					}
				}
				double cpu = median(all, (m) -> m.clientCpuMicros);
				String cpuCell = String.format(Locale.ROOT, "%.1f", cpu);
				if (r >= 0) {
					double[] cpuRatios = new double[rounds];
					for (int round = 0; round < rounds; round++) {
						cpuRatios[round] = all[round].clientCpuMicros / results[t][r][round].clientCpuMicros;
					}
					cpuCell += String.format(Locale.ROOT, " (%.2f)", median(cpuRatios));
				}
				out.append(String.format(Locale.ROOT,
						"| %d | %s | %,.0f (%s) | %.1f | %.1f | %s | %s | %.1f | %.3f | %s |%n", threadCounts[t],
						side.label, ops, list(all), median(all, (m) -> m.p50Micros), median(all, (m) -> m.p99Micros),
						ratioCell, cpuCell, median(all, (m) -> m.serverCpuMicros),
						median(all, (m) -> m.scriptCallsPerOp), (side.reference != null) ? side.reference : "–"));
			}
		}
		out.append("\nGoal: ours ≥ 1.0 × Bucket4j batching's throughput (two limits: with two bandwidths).\n\n");
		for (String verdict : verdicts) {
			out.append("- ").append(verdict).append('\n');
		}
	}

	private static int indexOf(List<Side> sides, @Nullable String label) {
		for (int i = 0; i < sides.size(); i++) {
			if (sides.get(i).label.equals(label)) {
				return i;
			}
		}
		return -1;
	}

	private static Measured run(Call call, int threads, int seconds, RedisCommands<String, String> server)
			throws Exception {
		OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
		double[] serverBefore = serverStats(server);
		long cpuBefore = os.getProcessCpuTime();
		Measured measured = run(call, threads, seconds);
		long cpuAfter = os.getProcessCpuTime();
		double[] serverAfter = serverStats(server);
		double ops = measured.opsPerSecond * seconds;
		return new Measured(measured.opsPerSecond, measured.p50Micros, measured.p99Micros,
				(cpuAfter - cpuBefore) / 1e3 / ops, (serverAfter[0] - serverBefore[0]) * 1e6 / ops,
				(serverAfter[1] - serverBefore[1]) / ops);
	}

	/**
	 * The server's CPU seconds (user and system) and the script calls it ran
	 * ({@code EVALSHA} and {@code EVAL}; the commands a script runs count apart).
	 */
	private static double[] serverStats(RedisCommands<String, String> server) {
		double cpu = 0;
		double commands = 0;
		for (String line : server.info("all").split("\r?\n")) {
			int colon = line.indexOf(':');
			if (colon < 0) {
				continue;
			}
			String name = line.substring(0, colon);
			if (name.equals("used_cpu_user") || name.equals("used_cpu_sys")) {
				cpu += Double.parseDouble(line.substring(colon + 1).trim());
			}
			else if (name.equals("cmdstat_evalsha") || name.equals("cmdstat_eval")) {
				// cmdstat_evalsha:calls=123,usec=...
				String stats = line.substring(colon + 1);
				commands += Double.parseDouble(stats.substring(stats.indexOf('=') + 1, stats.indexOf(',')));
			}
		}
		return new double[] { cpu, commands };
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
		return new Measured(total / elapsedSeconds, pct(all, 50) / 1e3, pct(all, 99) / 1e3, Double.NaN, Double.NaN,
				Double.NaN);
	}

	// ---------------------------------------------------------------- support

	@FunctionalInterface
	interface Call {

		boolean run() throws Exception;

	}

	/**
	 * @param reference the label of the side its throughput is compared with, or
	 * {@code null} for a reference
	 */
	record Side(String label, Call call, @Nullable String reference) {
	}

	record Measured(double opsPerSecond, double p50Micros, double p99Micros, double clientCpuMicros,
			double serverCpuMicros, double scriptCallsPerOp) {
	}

	interface Value {

		double of(Measured measured);

	}

	private static double median(Measured[] values, Value value) {
		double[] sorted = Arrays.stream(values).mapToDouble(value::of).sorted().toArray();
		int n = sorted.length;
		return (n % 2 == 1) ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
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

	static ExecutableProvider executable() {
		String selected = System.getProperty("redis.server", "");
		if (selected.equals("embedded") || (selected.isEmpty() && !Files.isExecutable(Path.of(DEBIAN_SERVER)))) {
			return ExecutableProvider.newJarResourceProvider();
		}
		File server = new File(selected.isEmpty() ? DEBIAN_SERVER : selected);
		return () -> server;
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	static String loadAverage() {
		try {
			String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return parts[0] + ", " + parts[1] + ", " + parts[2];
		}
		catch (IOException | RuntimeException ex) {
			return "n/a";
		}
	}

}
