package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.api.sync.RedisCommands;
import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fairness of {@link RedisRateLimiter} across instances: Redis reserves each request's
 * instant in arrival order at the server, so an instance whose timer is late is served as
 * often as a prompt one, with about one script call per grant.
 */
@ExtendWith(RedisServerExtension.class)
class RedisRateLimiterFairnessTests {

	private static final Duration PERIOD = Duration.ofMillis(200);

	private static final Duration RUN = Duration.ofSeconds(10);

	@Test
	void twoInstancesOneWithALateTimerShareTheGrantsEvenlyWithAboutOneScriptCallPerGrant(RedisServerProcess server)
			throws Exception {
		try (RedisTestSupport redis = new RedisTestSupport(server)) {
			RedisCommands<String, String> commands = redis.redis();
			// Every timer entry of this instance (its grants at their instants) 2 ms
			// late.
			DelayScheduler late = (executor, command, delay, unit) -> DelayScheduler.shared()
				.schedule(executor, command, unit.toNanos(delay) + 2_000_000, TimeUnit.NANOSECONDS);
			RateLimiterConfig config = RateLimiterConfig.of(1, PERIOD);
			RateLimiter prompt = redis.build(redis.factory()).create("fair", config, RateLimiterListener.none());
			RateLimiter tardy = redis.build(redis.factory().scheduler(late))
				.create("fair", config, RateLimiterListener.none());
			AtomicBoolean running = new AtomicBoolean(true);
			AtomicInteger promptGrants = new AtomicInteger();
			AtomicInteger tardyGrants = new AtomicInteger();
			List<CompletableFuture<Void>> waiting = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				keepAsking(prompt, promptGrants, running, waiting);
				keepAsking(tardy, tardyGrants, running, waiting);
			}
			// Every waiter holds a reservation: from now on, each call is a re-ask.
			await().atMost(Duration.ofSeconds(10))
				.until(() -> prompt.waitingCount() + tardy.waitingCount() + redis.grantTimes.size() >= 10);
			long callsBefore = scriptCalls(commands);
			int grantsBefore = redis.grantTimes.size();
			TimeUnit.NANOSECONDS.sleep(RUN.toNanos());
			long calls = scriptCalls(commands) - callsBefore;
			int grants = redis.grantTimes.size() - grantsBefore;
			running.set(false);
			waiting.forEach((acquire) -> acquire.cancel(false));
			int a = promptGrants.get();
			int b = tardyGrants.get();
			// 1 per 200 ms: about 50 grants in 10 s.
			assertThat(a + b).isGreaterThanOrEqualTo(40);
			assertThat(Math.abs(a - b) / ((a + b) / 2.0)).as("split %d / %d from even", a, b).isLessThanOrEqualTo(0.2);
			assertThat(calls / (double) grants).as("script calls per grant (%d / %d)", calls, grants)
				.isLessThanOrEqualTo(1.2);
			assertThat(RedisTestSupport.windowsOverLimit(redis.sortedGrantTimes(), 1, PERIOD)).isZero();
		}
	}

	/** Script calls the server ran: the decisions, and the hand-backs and reloads. */
	private static long scriptCalls(RedisCommands<String, String> commands) {
		return RedisTestSupport.commandCalls(commands, "evalsha") + RedisTestSupport.commandCalls(commands, "eval");
	}

	private static void keepAsking(RateLimiter limiter, AtomicInteger grants, AtomicBoolean running,
			List<CompletableFuture<Void>> waiting) {
		CompletableFuture<Void> acquire = limiter.acquire();
		synchronized (waiting) {
			waiting.add(acquire);
		}
		acquire.thenRun(() -> {
			if (running.get()) {
				grants.incrementAndGet();
				keepAsking(limiter, grants, running, waiting);
			}
		});
	}

}
