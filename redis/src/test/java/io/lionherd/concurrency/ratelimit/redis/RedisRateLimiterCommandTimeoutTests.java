package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import io.lettuce.core.api.sync.RedisCommands;
import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the command timeout of the script calls, against a real Redis server held
 * with {@code CLIENT PAUSE WRITE}.
 */
@ExtendWith(RedisServerExtension.class)
class RedisRateLimiterCommandTimeoutTests {

	private static final RateLimiterConfig CONFIG = RateLimiterConfig.of(100, Duration.ofMinutes(1));

	private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

	private RedisTestSupport redis;

	private RedisCommands<String, String> commands;

	@BeforeEach
	void setUp(RedisServerProcess server) {
		this.redis = new RedisTestSupport(server);
		this.commands = this.redis.redis();
	}

	@AfterEach
	void tearDown() throws Exception {
		// The server is shared: never leave it paused, even after a failure.
		RedisTestSupport.unpause(this.commands);
		this.redis.close();
	}

	@Test
	void timedCallsInFlightShareOneTimerEntry() {
		ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
		timer.setRemoveOnCancelPolicy(true);
		try {
			RedisRateLimiterFactory factory = this.redis
				.build(this.redis.factory().scheduler(DelayScheduler.of(timer)).commandTimeout(Duration.ofMinutes(1)));
			List<RateLimiter> limiters = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				limiters.add(factory.create("shared-timer-" + i, CONFIG, RateLimiterListener.none()));
			}
			// Open the connection first: the timer then holds only the probe.
			assertThat(limiters.get(0).tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
			RedisTestSupport.pauseWrites(this.commands, 10_000);
			List<CompletableFuture<Boolean>> tries = new ArrayList<>();
			for (RateLimiter limiter : limiters) {
				tries.add(limiter.tryAcquireAsync());
			}
			// Ten calls held by the server: the probe and one entry for all of them.
			assertThat(timer.getQueue()).hasSize(2);
			RedisTestSupport.unpause(this.commands);
			for (CompletableFuture<Boolean> decided : tries) {
				assertThat(decided).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
			}
		}
		finally {
			timer.shutdownNow();
		}
	}

	@Test
	void eachHeldCallFailsOneCommandTimeoutAfterItWasSent() {
		ManualTime time = new ManualTime();
		RedisRateLimiterFactory factory = this.redis.build(this.redis.factory()
			.scheduler(time)
			.executor(ManualTime.DIRECT)
			.commandTimeout(COMMAND_TIMEOUT)
			.probeInterval(Duration.ofHours(1)));
		RateLimiter first = factory.create("timed-first", CONFIG, RateLimiterListener.none());
		RateLimiter second = factory.create("timed-second", CONFIG, RateLimiterListener.none());
		assertThat(first.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
		RedisTestSupport.pauseWrites(this.commands, 10_000);
		CompletableFuture<Boolean> early = first.tryAcquireAsync();
		time.advance(Duration.ofSeconds(1));
		CompletableFuture<Boolean> late = second.tryAcquireAsync();
		time.advance(COMMAND_TIMEOUT.minusSeconds(1).minusNanos(1));
		assertThat(early).isNotDone();
		time.advance(Duration.ofNanos(1));
		// Refused: Redis did not decide in time (FAIL mode).
		assertThat(early).isCompletedWithValue(false);
		assertThat(late).isNotDone();
		time.advance(Duration.ofSeconds(1));
		assertThat(late).isCompletedWithValue(false);
	}

}
