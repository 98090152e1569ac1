package io.lionherd.concurrency.capacity.redis;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.lionherd.concurrency.ratelimit.redis.RedisServerExtension;
import io.lionherd.concurrency.ratelimit.redis.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The crash proof: three instances (three JVMs, {@link HolderProcess}) share a
 * limit of {@value #TOTAL} on one Redis; one of them, holding permits, is killed
 * ({@code SIGKILL}, {@link Process#destroyForcibly()}). Its permits come back within one
 * lease plus one renewal interval of the kill, and never do more than {@value #TOTAL}
 * hold at once on the server's clock: checked by replaying every grant and release with
 * its server time (the killed instance's holds end when their lease does), and by
 * sampling the live holders on the server meanwhile.
 */
@Tag("exhaustive")
@ExtendWith(RedisServerExtension.class)
class RedisConcurrencyLimitCrashTests {

	private static final int TOTAL = 3;

	private static final Duration LEASE = Duration.ofMillis(1000);

	private static final Duration RENEWAL_INTERVAL = LEASE.dividedBy(3);

	private static final String NAME = "crash";

	private CapacityTestSupport redis;

	private RedisCommands<String, String> commands;

	private final List<Process> processes = new ArrayList<>();

	/** Per process, the lines it printed. */
	private final List<List<String>> holds = new ArrayList<>();

	private final AtomicBoolean sampling = new AtomicBoolean(true);

	private final AtomicLong mostLiveHolders = new AtomicLong();

	/** The latest lease end (ms, server clock) sampled of each permit. */
	private final Map<String, Long> leaseEnds = new ConcurrentHashMap<>();

	@BeforeEach
	void setUp(RedisServerProcess server) {
		this.redis = new CapacityTestSupport(server);
		this.commands = this.redis.redis();
	}

	@AfterEach
	void tearDown() throws Exception {
		this.sampling.set(false);
		for (Process process : this.processes) {
			process.destroyForcibly();
		}
		this.redis.close();
	}

	@Test
	void aKilledInstancesPermitsComeBackWithinALeaseAndARenewalAndNeverMoreThanTheTotalHold() throws Exception {
		// The victim holds its two permits until killed; the others take turns.
		Process victim = start(2, -1);
		start(2, 20);
		start(2, 20);
		Thread sampler = new Thread(this::sample, "sampler");
		sampler.start();
		List<String> victimHolds = this.holds.get(0);
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(10))
			.until(() -> count(victimHolds, "granted") == 2 && count(this.holds.get(1), "granted") > 0
					&& count(this.holds.get(2), "granted") > 0);
		// Held past their first lease: renewed.
		long heldSince = serverMicros();
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(10))
			.until(() -> serverMicros() - heldSince > LEASE.toNanos() / 1000 + 100_000);
		List<String> victimIds = victimHolds.stream().map((line) -> line.split(" ")[2]).toList();
		assertThat(this.commands.zscore(this.redis.key(NAME), victimIds.get(0))).isNotNull();
		victim.destroyForcibly().waitFor();
		long killedAt = serverMicros();
		// Every permit of the victim's is free once its lease ends.
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(5))
			.until(() -> victimIds.stream().noneMatch((id) -> this.commands.zscore(this.redis.key(NAME), id) != null));
		long[] survivorsFull = new long[1];
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(10))
			.until(() -> (survivorsFull[0] = survivorsHoldTotalAfter(killedAt, victimIds)) > 0);
		this.sampling.set(false);
		sampler.join();
		long lastLeaseEnd = victimIds.stream().mapToLong((id) -> this.leaseEnds.get(id) * 1000).max().orElseThrow();
		long cameBackMicros = lastLeaseEnd - killedAt;
		long reusedMicros = survivorsFull[0] - killedAt;
		System.out.printf(
				"Crash recovery: the killed instance's permits came back %d ms after the kill "
						+ "(bound: lease %d ms + renewal %d ms); the survivors held all %d %d ms after it; "
						+ "most holders sampled live: %d; most holders replayed: %d%n",
				cameBackMicros / 1000, LEASE.toMillis(), RENEWAL_INTERVAL.toMillis(), TOTAL, reusedMicros / 1000,
				this.mostLiveHolders.get(), mostHolders(victimIds));
		assertThat(cameBackMicros).isLessThanOrEqualTo((LEASE.toNanos() + RENEWAL_INTERVAL.toNanos()) / 1000);
		assertThat(this.mostLiveHolders.get()).isLessThanOrEqualTo(TOTAL);
		assertThat(mostHolders(victimIds)).isEqualTo(TOTAL);
	}

	/**
	 * Replays every grant and release on the server's clock (the victim's unreleased
	 * permits hold until their lease ended): the most held at once.
	 */
	private int mostHolders(List<String> victimIds) {
		List<long[]> events = new ArrayList<>();
		Map<String, Long> open = new HashMap<>();
		for (List<String> lines : this.holds) {
			for (String line : lines) {
				String[] parts = line.split(" ");
				long micros = Long.parseLong(parts[3]);
				if (parts[1].equals("granted")) {
					events.add(new long[] { micros, 1 });
					open.put(parts[2], micros);
				}
				else {
					assertThat(parts[4]).as("released while it held: " + line).isEqualTo("true");
					events.add(new long[] { micros, -1 });
					open.remove(parts[2]);
				}
			}
		}
		assertThat(open.keySet()).containsAll(victimIds);
		for (String id : victimIds) {
			events.add(new long[] { this.leaseEnds.get(id) * 1000, -1 });
		}
		// A release before a grant at the same microsecond: the server ran it first.
		events.sort(Comparator.<long[]>comparingLong((event) -> event[0]).thenComparingLong((event) -> event[1]));
		int held = 0;
		int most = 0;
		for (long[] event : events) {
			held += (int) event[1];
			most = Math.max(most, held);
		}
		return most;
	}

	/**
	 * When the two survivors first held every permit together after the kill, on the
	 * server's clock; 0 if they did not yet.
	 */
	private long survivorsHoldTotalAfter(long killedAt, List<String> victimIds) {
		List<long[]> events = new ArrayList<>();
		for (List<String> lines : this.holds.subList(1, 3)) {
			for (String line : lines) {
				String[] parts = line.split(" ");
				events.add(new long[] { Long.parseLong(parts[3]), parts[1].equals("granted") ? 1 : -1 });
			}
		}
		events.sort(Comparator.<long[]>comparingLong((event) -> event[0]).thenComparingLong((event) -> event[1]));
		int held = 0;
		for (long[] event : events) {
			held += (int) event[1];
			if (held == TOTAL && event[0] > killedAt) {
				return event[0];
			}
		}
		return 0;
	}

	/** Samples the live holders (lease not ended) on the server, and their lease ends. */
	private void sample() {
		String key = this.redis.key(NAME);
		while (this.sampling.get()) {
			List<Object> live = this.commands.eval("""
					local t = redis.call('TIME')
					local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
					return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES')
					""", ScriptOutputType.MULTI, key);
			this.mostLiveHolders.accumulateAndGet(live.size() / 2, Math::max);
			for (int i = 0; i < live.size(); i += 2) {
				this.leaseEnds.merge((String) live.get(i), (long) Double.parseDouble((String) live.get(i + 1)),
						Math::max);
			}
		}
	}

	private Process start(int workers, long holdMillis) throws IOException {
		String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
		ProcessBuilder builder = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
				System.getProperty("java.class.path"), HolderProcess.class.getName(), this.redis.server.uri(),
				this.redis.keyPrefix, NAME, Integer.toString(TOTAL), Long.toString(LEASE.toMillis()),
				Integer.toString(workers), Long.toString(holdMillis));
		builder.redirectError(ProcessBuilder.Redirect.INHERIT);
		Process process = builder.start();
		this.processes.add(process);
		List<String> lines = new CopyOnWriteArrayList<>();
		this.holds.add(lines);
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = in.readLine()) != null) {
					if (line.startsWith("HOLD ")) {
						lines.add(line);
					}
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}, "holder-" + this.processes.size());
		reader.setDaemon(true);
		reader.start();
		return process;
	}

	private static long count(List<String> lines, String event) {
		return lines.stream().filter((line) -> line.startsWith("HOLD " + event)).count();
	}

	private long serverMicros() {
		List<String> time = this.commands.time();
		return Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
	}

}
