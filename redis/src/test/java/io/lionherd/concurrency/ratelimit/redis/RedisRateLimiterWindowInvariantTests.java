package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The window invariant of {@link RedisRateLimiter} across instances: three limiters on
 * connections of their own share one name, sixteen callers each keep asking, and the
 * grants are judged on the server times the script returned.
 */
@Tag("exhaustive")
@ExtendWith(RedisServerExtension.class)
class RedisRateLimiterWindowInvariantTests {

	/**
	 * 2 000 per 2 s: each caller asks again once granted, so the window is full only
	 * while callers ask faster than the limit: a round trip plus a timer and executor
	 * hand-over per grant, which on a loaded 2-core machine can reach tens of ms. The
	 * rate falls below 95% only for a lateness above 5% of the period, over 100 ms here,
	 * so the grant rate measures lost permits, not the machine.
	 */
	static final int MAX_CALLS = 2_000;

	static final Duration PERIOD = Duration.ofSeconds(2);

	static final int GRANTS = 20_000;

	@Test
	void threeInstancesTogetherNeverExceedTheWindowAndLoseNoPermit(RedisServerProcess server) throws Exception {
		try (RedisTestSupport redis = new RedisTestSupport(server)) {
			List<RateLimiter> instances = new ArrayList<>();
			for (int i = 0; i < 3; i++) {
				instances.add(redis.build(redis.factory())
					.create("shared", RateLimiterConfig.of(MAX_CALLS, PERIOD), RateLimiterListener.none()));
			}
			AtomicInteger asked = new AtomicInteger();
			List<CompletableFuture<Void>> callers = new ArrayList<>();
			for (RateLimiter instance : instances) {
				for (int c = 0; c < 16; c++) {
					CompletableFuture<Void> done = new CompletableFuture<>();
					callers.add(done);
					keepAsking(instance, asked, done);
				}
			}
			CompletableFuture.allOf(callers.toArray(CompletableFuture[]::new)).get();
			List<Long> times = redis.sortedGrantTimes();
			assertThat(times).hasSizeGreaterThanOrEqualTo(GRANTS);
			assertThat(RedisTestSupport.windowsOverLimit(times, MAX_CALLS, PERIOD)).isZero();
			// Saturated from the first call: after the first window's burst, grants
			// flow at maxCalls per period.
			double spanMicros = times.get(times.size() - 1) - times.get(0);
			double rate = (times.size() - MAX_CALLS) / spanMicros;
			double limit = MAX_CALLS / (PERIOD.toNanos() / 1000.0);
			assertThat(rate / limit).as("grant rate relative to maxCalls/period").isGreaterThanOrEqualTo(0.95);
		}
	}

	static Stream<Arguments> limits() {
		return Stream.of(
				Arguments
					.of(List.of(Limit.calls(100, Duration.ofMillis(200)), Limit.permits(300, Duration.ofMillis(500)))),
				Arguments.of(List.of(Limit.calls(100, Duration.ofMillis(200)),
						Limit.permits(300, Duration.ofMillis(200)), Limit.permits(800, Duration.ofSeconds(1)))));
	}

	@ParameterizedTest
	@MethodSource("limits")
	void threeInstancesAskingRandomWeightsNeverExceedAnyLimitInAnyWindow(List<Limit> limits, RedisServerProcess server)
			throws Exception {
		RateLimiterConfig config = RateLimiterConfig.of(limits.get(0),
				limits.subList(1, limits.size()).toArray(Limit[]::new));
		try (RedisTestSupport redis = new RedisTestSupport(server)) {
			List<RateLimiter> instances = new ArrayList<>();
			for (int i = 0; i < 3; i++) {
				instances.add(redis.build(redis.factory()).create("weighted", config, RateLimiterListener.none()));
			}
			AtomicInteger asked = new AtomicInteger();
			List<CompletableFuture<Void>> callers = new ArrayList<>();
			for (RateLimiter instance : instances) {
				for (int c = 0; c < 8; c++) {
					CompletableFuture<Void> done = new CompletableFuture<>();
					callers.add(done);
					keepAskingWeights(instance, asked, 1_500, done);
				}
			}
			CompletableFuture.allOf(callers.toArray(CompletableFuture[]::new)).get();
			// Callers stop asking once 1 500 were asked: the last ones may still wait.
			await().atMost(Duration.ofSeconds(30)).until(() -> redis.grants.size() == 1_500);
			List<RedisTestSupport.Grant> grants = redis.grants.stream()
				.sorted(Comparator.comparingLong(RedisTestSupport.Grant::micros))
				.toList();
			assertThat(grants).extracting(RedisTestSupport.Grant::permits).contains(1L, 10L);
			for (int j = 0; j < limits.size(); j++) {
				assertThat(mostInAWindow(grants, limits.get(j))).as("most counted by limits[%d] in a window", j)
					.isLessThanOrEqualTo(limits.get(j).max());
			}
		}
	}

	/**
	 * The most a limit counted of the grants in any window {@code (t - period, t]}, over
	 * the windows ending at a grant (where the count can only grow).
	 */
	private static long mostInAWindow(List<RedisTestSupport.Grant> sorted, Limit limit) {
		long periodMicros = limit.period().toNanos() / 1000;
		long most = 0;
		long sum = 0;
		int first = 0;
		for (int i = 0; i < sorted.size(); i++) {
			RedisTestSupport.Grant grant = sorted.get(i);
			sum += limit.countsCalls() ? 1 : grant.permits();
			while (sorted.get(first).micros() <= grant.micros() - periodMicros) {
				RedisTestSupport.Grant left = sorted.get(first++);
				sum -= limit.countsCalls() ? 1 : left.permits();
			}
			if (i + 1 == sorted.size() || sorted.get(i + 1).micros() != grant.micros()) {
				most = Math.max(most, sum);
			}
		}
		return most;
	}

	private static void keepAskingWeights(RateLimiter limiter, AtomicInteger asked, int grants,
			CompletableFuture<Void> done) {
		if (asked.incrementAndGet() > grants) {
			done.complete(null);
			return;
		}
		limiter.acquire(ThreadLocalRandom.current().nextLong(1, 11)).whenComplete((granted, error) -> {
			if (error != null) {
				done.completeExceptionally(error);
			}
			else {
				keepAskingWeights(limiter, asked, grants, done);
			}
		});
	}

	private static void keepAsking(RateLimiter limiter, AtomicInteger asked, CompletableFuture<Void> done) {
		if (asked.incrementAndGet() > GRANTS) {
			done.complete(null);
			return;
		}
		limiter.acquire().whenComplete((granted, error) -> {
			if (error != null) {
				done.completeExceptionally(error);
			}
			else {
				keepAsking(limiter, asked, done);
			}
		});
	}

}
