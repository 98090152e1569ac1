package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lionherd.concurrency.micrometer.RateLimiterMetrics;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterBackendException;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link RedisRateLimiter} while its server goes away and comes back: a server of its
 * own, stopped in the middle of a run and started again (empty, its script cache lost).
 */
class RedisRateLimiterFaultTests {

	private static final int MAX_CALLS = 5;

	private static final Duration PERIOD = Duration.ofMillis(300);

	private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);

	private RedisServerProcess server;

	private RedisTestSupport redis;

	private final RateLimiterRegistry registry = new RateLimiterRegistry();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final AtomicBoolean stop = new AtomicBoolean();

	private final List<CompletableFuture<Void>> load = new CopyOnWriteArrayList<>();

	@BeforeEach
	void setUp() {
		this.server = RedisServerProcess.start();
		this.redis = new RedisTestSupport(this.server);
		new RateLimiterMetrics(this.registry).bindTo(this.meters);
	}

	@AfterEach
	void tearDown() throws Exception {
		this.stop.set(true);
		this.redis.close();
		this.server.close();
	}

	@Test
	void failModeFailsEveryCallerWhileRedisIsDownAndRecoversAfterwards() throws Exception {
		RateLimiter limiter = limiter("fail", OnBackendFailure.FAIL);
		startLoad(limiter, 4);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.redis.grantTimes.size() > 20);
		this.server.stop();
		int grantsBefore = this.redis.grantTimes.size();
		List<CompletableFuture<Void>> queued = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			queued.add(limiter.acquire());
		}
		for (CompletableFuture<Void> waiter : queued) {
			assertThat(waiter).failsWithin(Duration.ofSeconds(30))
				.withThrowableOfType(ExecutionException.class)
				.withCauseInstanceOf(RateLimiterBackendException.class);
		}
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(limiter.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(30)).isEqualTo(false);
		assertThat(backendErrors("fail")).isPositive();
		// Nothing was granted while the server was down.
		assertThat(this.redis.grantTimes.size()).isLessThanOrEqualTo(grantsBefore + 4);
		restartAndCheckTheWindow(limiter);
	}

	@Test
	void allowModeGrantsAndCountsWhileRedisIsDownAndRecoversAfterwards() throws Exception {
		RateLimiter limiter = limiter("allow", OnBackendFailure.ALLOW);
		startLoad(limiter, 4);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.redis.grantTimes.size() > 20);
		this.server.stop();
		List<CompletableFuture<Void>> queued = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			queued.add(limiter.acquire());
		}
		for (CompletableFuture<Void> waiter : queued) {
			assertThat(waiter).succeedsWithin(Duration.ofSeconds(30));
		}
		// With nobody waiting (tryAcquire never overtakes a waiter).
		this.stop.set(true);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.load.stream().allMatch(CompletableFuture::isDone));
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(backendErrors("allow")).isPositive();
		assertThat(this.meters.get("lionherd.ratelimiter.wait").tag("name", "allow").timer().count())
			.isGreaterThan(this.redis.grantTimes.size() + 10);
		restartAndCheckTheWindow(limiter);
	}

	@Test
	void backendIsReportedUnreachableWhileRedisIsDownAndReachableOnceItIsBack() throws Exception {
		RateLimiter limiter = limiter("health", OnBackendFailure.FAIL);
		assertThat(limiter.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(30)).isEqualTo(true);
		assertThat(((RedisRateLimiter) limiter).isBackendReachable()).isTrue();
		this.server.stop();
		assertThat(limiter.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(30)).isEqualTo(false);
		assertThat(((RedisRateLimiter) limiter).isBackendReachable()).isFalse();
		this.server.startAgain();
		// No limiter call: the health question itself probes.
		await().atMost(Duration.ofSeconds(40))
			.pollInterval(Duration.ofMillis(200))
			.until(((RedisRateLimiter) limiter)::isBackendReachable);
	}

	@Test
	void aDeniedTryLeavesNoPermitAvailableWhileRedisIsDown() {
		RateLimiter limiter = limiter("stale-try", OnBackendFailure.FAIL);
		// Within the command timeout once the connection is open.
		await().atMost(Duration.ofSeconds(30)).until(limiter::tryAcquire);
		assertThat(limiter.availablePermits()).isPositive();
		this.server.stop();
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(limiter.availablePermits()).isZero();
	}

	@Test
	void aFailedAcquireLeavesNoPermitAvailableWhileRedisIsDown() {
		RateLimiter limiter = limiter("stale-acquire", OnBackendFailure.FAIL);
		await().atMost(Duration.ofSeconds(30)).until(limiter::tryAcquire);
		assertThat(limiter.availablePermits()).isPositive();
		this.server.stop();
		assertThat(limiter.acquire()).failsWithin(Duration.ofSeconds(30))
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(RateLimiterBackendException.class);
		assertThat(limiter.availablePermits()).isZero();
	}

	@Test
	void onlyAnAllowModeLimiterGrantsWhileRedisIsUnreachable() {
		assertThat(((RedisRateLimiter) limiter("grants-allow", OnBackendFailure.ALLOW)).grantsWhenUnreachable())
			.isTrue();
		assertThat(((RedisRateLimiter) limiter("grants-fail", OnBackendFailure.FAIL)).grantsWhenUnreachable())
			.isFalse();
	}

	@Test
	void allowModeGrantsAtOnceWhileTheConnectionIsLostInsteadOfTimingTheCallerOut() {
		RateLimiter limiter = limiterOfLostConnection("lost-allow", OnBackendFailure.ALLOW);
		assertThat(limiter.acquire()).succeedsWithin(Duration.ofSeconds(30));
		assertThat(limiter.tryAcquire()).isTrue();
	}

	@Test
	void failModeFailsAtOnceWhileTheConnectionIsLostInsteadOfTimingTheCallerOut() {
		RateLimiter limiter = limiterOfLostConnection("lost-fail", OnBackendFailure.FAIL);
		assertThat(limiter.acquire()).failsWithin(Duration.ofSeconds(30))
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(RateLimiterBackendException.class);
	}

	/**
	 * A limiter whose own timeout is shorter than the command timeout, after its server
	 * stopped and Lettuce saw the connection go (it then queues commands until it
	 * reconnects): a call that waited for Redis would end at the caller's timeout.
	 */
	private RateLimiter limiterOfLostConnection(String name, OnBackendFailure onBackendFailure) {
		RedisRateLimiterFactory factory = this.redis
			.build(this.redis.factory().commandTimeout(Duration.ofSeconds(10)).onBackendFailure(onBackendFailure));
		RateLimiter limiter = this.registry.rateLimiter(name,
				new RateLimiterConfig(MAX_CALLS, PERIOD, Duration.ofSeconds(1)), factory);
		await().atMost(Duration.ofSeconds(30)).until(limiter::tryAcquire);
		this.server.stop();
		await().atMost(Duration.ofSeconds(30)).until(() -> !((RedisRateLimiter) limiter).isBackendReachable());
		return limiter;
	}

	private void restartAndCheckTheWindow(RateLimiter limiter) throws Exception {
		this.stop.set(true);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.load.stream().allMatch(CompletableFuture::isDone));
		this.server.startAgain();
		// Lettuce reconnects by itself; the script is sent again (the server lost it).
		await().atMost(Duration.ofSeconds(40)).until(limiter::tryAcquire);
		this.redis.grantTimes.clear();
		this.stop.set(false);
		this.load.clear();
		startLoad(limiter, 4);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.redis.grantTimes.size() > 50);
		this.stop.set(true);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.load.stream().allMatch(CompletableFuture::isDone));
		assertThat(this.load).allMatch((caller) -> !caller.isCompletedExceptionally());
		assertThat(RedisTestSupport.windowsOverLimit(this.redis.sortedGrantTimes(), MAX_CALLS, PERIOD)).isZero();
	}

	private RateLimiter limiter(String name, OnBackendFailure onBackendFailure) {
		RedisRateLimiterFactory factory = this.redis
			.build(this.redis.factory().commandTimeout(COMMAND_TIMEOUT).onBackendFailure(onBackendFailure));
		return this.registry.rateLimiter(name, RateLimiterConfig.of(MAX_CALLS, PERIOD), factory);
	}

	private double backendErrors(String name) {
		return this.meters.get("lionherd.ratelimiter.backend.errors").tag("name", name).counter().count();
	}

	/** Callers that keep acquiring until stopped; backend failures do not stop them. */
	private void startLoad(RateLimiter limiter, int callers) {
		for (int i = 0; i < callers; i++) {
			CompletableFuture<Void> done = new CompletableFuture<>();
			this.load.add(done);
			keepAsking(limiter, done);
		}
	}

	private void keepAsking(RateLimiter limiter, CompletableFuture<Void> done) {
		if (this.stop.get()) {
			done.complete(null);
			return;
		}
		limiter.acquire().whenComplete((granted, error) -> {
			if (error != null && !(error instanceof RateLimiterBackendException)) {
				done.completeExceptionally(error);
			}
			else {
				keepAsking(limiter, done);
			}
		});
	}

}
