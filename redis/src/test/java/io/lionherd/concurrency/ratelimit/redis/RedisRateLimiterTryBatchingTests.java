package io.lionherd.concurrency.ratelimit.redis;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link RedisRateLimiter}'s merging of concurrent tries of one instance into
 * one script call, against a real Redis server.
 */
@ExtendWith(RedisServerExtension.class)
class RedisRateLimiterTryBatchingTests {

	private static final int CALLERS = 16;

	private static final Pattern CALLS = Pattern.compile("cmdstat_(?:evalsha|eval):calls=(\\d+)");

	private RedisTestSupport redis;

	private RedisCommands<String, String> commands;

	private final Events events = new Events();

	private final ExecutorService callers = Executors.newFixedThreadPool(CALLERS);

	private RedisClient unreachable;

	@BeforeEach
	void setUp(RedisServerProcess server) {
		this.redis = new RedisTestSupport(server);
		this.commands = this.redis.redis();
	}

	@AfterEach
	void tearDown() throws Exception {
		this.callers.shutdownNow();
		// The server is shared: never leave it paused, even after a failure.
		unpause();
		this.redis.close();
		if (this.unreachable != null) {
			this.unreachable.shutdown();
		}
	}

	@Test
	void concurrentTriesNeverExceedMaxCallsInAnyWindowAndEachTrueIsAGrantOfTheServer() throws Exception {
		Duration period = Duration.ofMillis(100);
		RateLimiter limiter = limiter(this.redis.build(this.redis.factory()), "window", 20, period);
		AtomicInteger trues = new AtomicInteger();
		long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
		List<Future<?>> running = new ArrayList<>();
		for (int c = 0; c < CALLERS; c++) {
			boolean async = c % 2 == 0;
			running.add(this.callers.submit(() -> {
				// At least 3 s, and on until enough grants to be sure the limiter grants
				// at all (a slow machine makes fewer round trips per window).
				while (System.nanoTime() < end || trues.get() <= 20 * 5) {
					boolean granted = async ? limiter.tryAcquireAsync().join() : limiter.tryAcquire();
					if (granted) {
						trues.incrementAndGet();
					}
				}
			}));
		}
		for (Future<?> caller : running) {
			caller.get(30, TimeUnit.SECONDS);
		}
		List<Long> grants = this.redis.sortedGrantTimes();
		assertThat(grants).hasSize(trues.get());
		assertThat(trues.get()).isGreaterThan(20 * 5);
		assertThat(RedisTestSupport.windowsOverLimit(grants, 20, period)).isZero();
		assertThat(this.events.granted.get()).isEqualTo(trues.get());
	}

	@Test
	void concurrentTriesShareScriptCallsAndGetExactlyTheGrantsTheServerRecorded() throws Exception {
		RedisRateLimiter limiter = limiter(this.redis.build(this.redis.factory()), "shared", 200,
				Duration.ofSeconds(60));
		limiter.tryAcquire();
		long callsBefore = scriptCalls();
		AtomicInteger trues = new AtomicInteger();
		int triesEach = 50;
		List<Future<?>> running = new ArrayList<>();
		for (int c = 0; c < CALLERS; c++) {
			boolean async = c % 2 == 0;
			running.add(this.callers.submit(() -> {
				for (int i = 0; i < triesEach; i++) {
					boolean granted = async ? limiter.tryAcquireAsync().join() : limiter.tryAcquire();
					if (granted) {
						trues.incrementAndGet();
					}
				}
			}));
		}
		for (Future<?> caller : running) {
			caller.get(30, TimeUnit.SECONDS);
		}
		long calls = scriptCalls() - callsBefore;
		assertThat(trues.get()).isEqualTo(199);
		assertThat(this.commands.zcard(limiter.redisKey())).isEqualTo(200);
		assertThat(this.events.granted.get() + this.events.rejected.get()).isEqualTo(1 + CALLERS * triesEach);
		assertThat(calls).isLessThan(CALLERS * triesEach);
		assertThat(limiter.availablePermits()).isZero();
	}

	@Test
	void triesArrivingWhileACallIsInFlightShareTheNextCall() {
		RedisRateLimiter limiter = limiter(heldCallsFactory(), "next", 50, Duration.ofSeconds(60));
		assertThat(limiter.tryAcquire()).isTrue();
		long callsBefore = scriptCalls();
		// The server holds the first call while the others arrive.
		pauseScripts();
		List<CompletableFuture<Boolean>> tries = new ArrayList<>();
		for (int i = 0; i < 11; i++) {
			tries.add(limiter.tryAcquireAsync());
		}
		unpause();
		for (CompletableFuture<Boolean> attempt : tries) {
			assertThat(attempt).succeedsWithin(Duration.ofSeconds(30)).isEqualTo(true);
		}
		assertThat(scriptCalls() - callsBefore).isEqualTo(2);
		assertThat(this.commands.zcard(limiter.redisKey())).isEqualTo(12);
		assertThat(limiter.availablePermits()).isEqualTo(50 - 12);
	}

	@Test
	void aBatchGrantsOnlyWhatTheWindowHoldsAndRefusesTheRest() {
		RedisRateLimiter limiter = limiter(this.redis.build(this.redis.factory()), "rest", 5, Duration.ofSeconds(60));
		this.commands.clientPause(300);
		List<CompletableFuture<Boolean>> tries = new ArrayList<>();
		for (int i = 0; i < 9; i++) {
			tries.add(limiter.tryAcquireAsync());
		}
		List<Boolean> answers = tries.stream().map(CompletableFuture::join).toList();
		assertThat(answers).containsExactly(true, true, true, true, true, false, false, false, false);
		assertThat(this.commands.zcard(limiter.redisKey())).isEqualTo(5);
		assertThat(this.events.granted.get()).isEqualTo(5);
		assertThat(this.events.rejected.get()).isEqualTo(4);
	}

	@Test
	void aCancelledTryInABatchHandsItsPermitBack() {
		RedisRateLimiter limiter = limiter(heldCallsFactory(), "cancel", 10, Duration.ofSeconds(60));
		// The server holds the first call while the others queue and one is cancelled.
		pauseScripts();
		CompletableFuture<Boolean> first = limiter.tryAcquireAsync();
		CompletableFuture<Boolean> second = limiter.tryAcquireAsync();
		CompletableFuture<Boolean> cancelled = limiter.tryAcquireAsync();
		CompletableFuture<Boolean> last = limiter.tryAcquireAsync();
		assertThat(cancelled.cancel(true)).isTrue();
		unpause();
		assertThat(first).succeedsWithin(Duration.ofSeconds(30)).isEqualTo(true);
		assertThat(second).succeedsWithin(Duration.ofSeconds(30)).isEqualTo(true);
		assertThat(last).succeedsWithin(Duration.ofSeconds(30)).isEqualTo(true);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			assertThat(this.commands.zcard(limiter.redisKey())).isEqualTo(3);
			assertThat(this.events.granted.get() + this.events.rejected.get()).isEqualTo(4);
		});
		assertThat(this.redis.grantTimes).hasSize(3);
	}

	@Test
	void failModeAnswersEveryBatchedTryFalseWhileRedisIsUnreachable() throws Exception {
		RateLimiter limiter = unreachableLimiter(OnBackendFailure.FAIL);
		assertThat(hammer(limiter, 20)).isZero();
		assertThat(this.events.backendErrors.get()).isEqualTo(CALLERS * 20);
		assertThat(this.events.rejected.get()).isEqualTo(CALLERS * 20);
		assertThat(this.events.granted.get()).isZero();
	}

	@Test
	void allowModeAnswersEveryBatchedTryTrueWhileRedisIsUnreachable() throws Exception {
		RateLimiter limiter = unreachableLimiter(OnBackendFailure.ALLOW);
		assertThat(hammer(limiter, 20)).isEqualTo(CALLERS * 20);
		assertThat(this.events.backendErrors.get()).isEqualTo(CALLERS * 20);
		assertThat(this.events.granted.get()).isEqualTo(CALLERS * 20);
		assertThat(this.events.rejected.get()).isZero();
	}

	@Test
	void blockingTriesGiveUpAfterTheCommandTimeoutAndLateGrantsGoBack() throws Exception {
		RedisRateLimiterFactory factory = this.redis
			.build(this.redis.factory().commandTimeout(Duration.ofMillis(300)).onBackendFailure(OnBackendFailure.FAIL));
		RedisRateLimiter limiter = limiter(factory, "late", 100, Duration.ofSeconds(60));
		assertThat(limiter.tryAcquire()).isTrue();
		// The server holds every call until all callers have answered: none of them
		// waited for it.
		pauseScripts();
		List<Future<Boolean>> running = new ArrayList<>();
		for (int c = 0; c < CALLERS; c++) {
			running.add(this.callers.submit(() -> limiter.tryAcquire()));
		}
		for (Future<Boolean> caller : running) {
			assertThat(caller.get(30, TimeUnit.SECONDS)).isFalse();
		}
		unpause();
		assertThat(this.events.backendErrors.get()).isEqualTo(CALLERS);
		assertThat(this.events.rejected.get()).isEqualTo(CALLERS);
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.commands.zcard(limiter.redisKey())).isEqualTo(1));
		assertThat(limiter.tryAcquire()).isTrue();
	}

	/**
	 * Holds every script call (EVAL and EVALSHA are writes) until {@link #unpause()}, at
	 * most a minute; reads and {@code CLIENT UNPAUSE} go on.
	 */
	private void pauseScripts() {
		RedisTestSupport.pauseWrites(this.commands, 60_000);
	}

	private void unpause() {
		RedisTestSupport.unpause(this.commands);
	}

	/** Calls held by {@link #pauseScripts()} do not time out while the test runs. */
	private RedisRateLimiterFactory heldCallsFactory() {
		return this.redis.build(this.redis.factory().commandTimeout(Duration.ofSeconds(30)));
	}

	private int hammer(RateLimiter limiter, int triesEach) throws Exception {
		AtomicInteger trues = new AtomicInteger();
		List<Future<?>> running = new ArrayList<>();
		for (int c = 0; c < CALLERS; c++) {
			boolean async = c % 2 == 0;
			running.add(this.callers.submit(() -> {
				for (int i = 0; i < triesEach; i++) {
					boolean granted = async ? limiter.tryAcquireAsync().join() : limiter.tryAcquire();
					if (granted) {
						trues.incrementAndGet();
					}
				}
			}));
		}
		for (Future<?> caller : running) {
			caller.get(60, TimeUnit.SECONDS);
		}
		return trues.get();
	}

	private RateLimiter unreachableLimiter(OnBackendFailure onBackendFailure) throws IOException {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		RedisClient client = RedisClient.create("redis://127.0.0.1:" + port);
		this.unreachable = client;
		RedisRateLimiterFactory factory = this.redis.build(RedisRateLimiterFactory.builder(client)
			.keyPrefix(this.redis.keyPrefix)
			.commandTimeout(Duration.ofMillis(500))
			.onBackendFailure(onBackendFailure));
		return limiter(factory, "down", 5, Duration.ofSeconds(1));
	}

	private RedisRateLimiter limiter(RedisRateLimiterFactory factory, String name, int maxCalls, Duration period) {
		return (RedisRateLimiter) factory.create(name, RateLimiterConfig.of(maxCalls, period), this.events);
	}

	/** Script calls the server ran (EVALSHA and EVAL), from its command statistics. */
	private long scriptCalls() {
		Matcher matcher = CALLS.matcher(this.commands.info("commandstats"));
		long calls = 0;
		while (matcher.find()) {
			calls += Long.parseLong(matcher.group(1));
		}
		return calls;
	}

	private static final class Events implements RateLimiterListener {

		final AtomicInteger granted = new AtomicInteger();

		final AtomicInteger rejected = new AtomicInteger();

		final AtomicInteger backendErrors = new AtomicInteger();

		@Override
		public void granted(RateLimiter limiter, long waitNanos) {
			this.granted.incrementAndGet();
		}

		@Override
		public void rejected(RateLimiter limiter) {
			this.rejected.incrementAndGet();
		}

		@Override
		public void backendError(RateLimiter limiter, Throwable error) {
			this.backendErrors.incrementAndGet();
		}

	}

}
