package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.sync.RedisCommands;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link RedisRateLimiter#isBackendReachable()} between calls: it follows the connection
 * (a server that closes it) and, for a limiter nobody calls, a probe of its key every
 * probe interval (a server that keeps the connection but stops answering). A server of
 * its own per test: the tests shut it down and pause it.
 */
class RedisRateLimiterReachabilityTests {

	private static final Pattern PROBES = Pattern.compile("cmdstat_pttl:calls=(\\d+)");

	private static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);

	private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);

	private RedisServerProcess server;

	private RedisTestSupport redis;

	private RedisCommands<String, String> commands;

	private final ManualTime time = new ManualTime();

	@BeforeEach
	void setUp() {
		this.server = RedisServerProcess.start();
		this.redis = new RedisTestSupport(this.server);
		this.commands = this.redis.redis();
	}

	@AfterEach
	void tearDown() throws Exception {
		this.redis.close();
		this.server.close();
	}

	@Test
	void aServerThatShutsDownIsReportedUnreachableWithoutAnyCall() {
		RedisRateLimiter limiter = limiter(this.redis.build(this.redis.factory()), "shutdown");
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.isBackendReachable()).isTrue();
		try {
			this.commands.shutdown(false);
		}
		catch (RedisException ex) {
			// The connection goes with the server.
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> !limiter.isBackendReachable());
	}

	@Test
	void anIdleLimiterProbesItsKeyAndReportsAServerThatStopsAnswering() {
		RedisRateLimiter limiter = limiter(manualTimeFactory(), "paused");
		assertThat(limiter.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(30)).isEqualTo(true);
		// The connection stays open; the server answers nothing for 3 s.
		this.commands.clientPause(3000);
		// The first round sees the call above, the second probes.
		this.time.advance(PROBE_INTERVAL.multipliedBy(2));
		assertThat(limiter.isBackendReachable()).isTrue();
		this.time.advance(COMMAND_TIMEOUT);
		assertThat(limiter.isBackendReachable()).isFalse();
		// Once the pause ends, the probe sent by the health question answers.
		await().atMost(Duration.ofSeconds(30)).until(limiter::isBackendReachable);
	}

	@Test
	void anIdleLimiterIsProbedOncePerIntervalAndABusyOneNotAtAll() {
		RedisRateLimiter limiter = limiter(manualTimeFactory(), "busy");
		for (int i = 0; i < 3; i++) {
			assertThat(limiter.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(30)).isEqualTo(true);
			this.time.advance(PROBE_INTERVAL);
		}
		assertThat(probes()).isZero();
		this.time.advance(PROBE_INTERVAL);
		await().atMost(Duration.ofSeconds(30)).until(() -> probes() == 1);
		this.time.advance(PROBE_INTERVAL);
		await().atMost(Duration.ofSeconds(30)).until(() -> probes() == 2);
		assertThat(limiter.isBackendReachable()).isTrue();
	}

	@Test
	void closingTheFactoryStopsTheProbe() {
		RedisRateLimiterFactory factory = manualTimeFactory();
		RedisRateLimiter limiter = limiter(factory, "closed");
		assertThat(limiter.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(30)).isEqualTo(true);
		assertThat(this.time.pendingCount()).as("the probe's next round and the command timeouts' entry").isEqualTo(2);
		factory.close();
		assertThat(this.time.pendingCount()).isZero();
		this.time.advance(PROBE_INTERVAL.multipliedBy(5));
		assertThat(this.time.pendingCount()).isZero();
		assertThat(probes()).isZero();
	}

	/** Time, and so the probe, moves only when the test advances it. */
	private RedisRateLimiterFactory manualTimeFactory() {
		return this.redis.build(this.redis.factory()
			.scheduler(this.time)
			.executor(ManualTime.DIRECT)
			.commandTimeout(COMMAND_TIMEOUT)
			.probeInterval(PROBE_INTERVAL));
	}

	private RedisRateLimiter limiter(RedisRateLimiterFactory factory, String name) {
		return (RedisRateLimiter) factory.create(name, RateLimiterConfig.of(100, Duration.ofMinutes(1)),
				RateLimiterListener.none());
	}

	/** Probes the server ran, from its command statistics. */
	private long probes() {
		Matcher matcher = PROBES.matcher(this.commands.info("commandstats"));
		return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
	}

}
