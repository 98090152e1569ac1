package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import io.lettuce.core.api.sync.RedisCommands;
import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link RedisRateLimiter} against a real Redis server.
 */
@ExtendWith(RedisServerExtension.class)
class RedisRateLimiterTests {

	private RedisTestSupport redis;

	private RedisRateLimiterFactory factory;

	private RedisCommands<String, String> commands;

	@BeforeEach
	void setUp(RedisServerProcess server) {
		this.redis = new RedisTestSupport(server);
		this.factory = this.redis.build(this.redis.factory());
		this.commands = this.redis.redis();
	}

	@AfterEach
	void tearDown() throws Exception {
		this.redis.close();
	}

	@Test
	void grantsUpToMaxCallsThenRefusesAndReportsNoPermitLeft() {
		RateLimiter limiter = limiter("github", 3, Duration.ofSeconds(10));
		assertThat(limiter.availablePermits()).isEqualTo(3);
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.availablePermits()).isEqualTo(2);
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(true);
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(limiter.availablePermits()).isZero();
		assertThat(limiter.backend()).isEqualTo("redis");
	}

	@Test
	void windowIsASortedSetUnderAHashTaggedKeyThatExpiresAfterThePeriod() {
		RedisRateLimiter limiter = (RedisRateLimiter) limiter("github", 3, Duration.ofSeconds(10));
		assertThat(limiter.redisKey()).isEqualTo(this.redis.keyPrefix + "{github}");
		limiter.tryAcquire();
		limiter.tryAcquire();
		limiter.tryAcquire();
		limiter.tryAcquire();
		assertThat(this.commands.zcard(limiter.redisKey())).isEqualTo(3);
		// The period and a few ms of slack.
		assertThat(this.commands.pttl(limiter.redisKey())).isBetween(1L, 10_005L);
	}

	@Test
	void permitsGrantedTogetherAreDistinctEntries() {
		RateLimiter limiter = limiter("batch", 50, Duration.ofSeconds(10));
		List<CompletableFuture<Void>> acquires = new ArrayList<>();
		for (int i = 0; i < 60; i++) {
			acquires.add(limiter.acquire());
		}
		await().atMost(Duration.ofSeconds(10))
			.until(() -> acquires.stream().filter(CompletableFuture::isDone).count() == 50);
		String key = ((RedisRateLimiter) limiter).redisKey();
		// The ten others are reserved a period later, waiting for the first grants to
		// leave the window.
		assertThat(this.commands.zcard(key)).isEqualTo(60);
		assertThat(RedisTestSupport.look(this.commands, key, Duration.ofSeconds(10))[2]).isEqualTo(10);
		// Several of them were decided in one call, at one server time.
		assertThat(this.redis.grantTimes).hasSize(50);
		assertThat(this.redis.grantTimes.stream().distinct().count()).isLessThan(50);
		assertThat(limiter.waitingCount()).isEqualTo(10);
		acquires.forEach((acquire) -> acquire.cancel(false));
		// Their reservations are taken back.
		await().atMost(Duration.ofSeconds(10)).until(() -> this.commands.zcard(key) == 50);
	}

	@Test
	void sequentialAcquiresFollowTheOriginalRecipe() {
		// A period long enough that no pause of a busy machine between the first three
		// acquires lets the first grant expire before the third.
		RateLimiter limiter = limiter("recipe", 3, Duration.ofSeconds(2));
		for (int i = 0; i < 5; i++) {
			assertThat(limiter.acquire()).succeedsWithin(Duration.ofSeconds(30));
		}
		List<Long> times = this.redis.sortedGrantTimes();
		assertThat(times).hasSize(5);
		assertThat(times.get(2) - times.get(0)).isLessThan(2_000_000);
		assertThat(times.get(3) - times.get(0)).isGreaterThanOrEqualTo(2_000_000);
		assertThat(times.get(4) - times.get(1)).isGreaterThanOrEqualTo(2_000_000);
	}

	@Test
	void waitersOfOneInstanceAreServedInArrivalOrder() {
		RateLimiter limiter = limiter("fifo", 2, Duration.ofMillis(100));
		List<RedisWaiter> waiters = new CopyOnWriteArrayList<>();
		List<String> overtaken = new CopyOnWriteArrayList<>();
		List<CompletableFuture<Void>> acquires = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			int index = i;
			RedisWaiter waiter = (RedisWaiter) limiter.acquire();
			waiters.add(waiter);
			// Completions of waiters granted together run on their own threads, in any
			// order: what arrival order means is that no waiter is granted while an
			// earlier one still waits.
			acquires.add(waiter.thenRun(() -> {
				for (int earlier = 0; earlier < index; earlier++) {
					if (waiters.get(earlier).isWaiting()) {
						overtaken.add(index + " before " + earlier);
					}
				}
			}));
		}
		assertThat(CompletableFuture.allOf(acquires.toArray(CompletableFuture[]::new)))
			.succeedsWithin(Duration.ofSeconds(30));
		assertThat(overtaken).isEmpty();
		assertThat(RedisTestSupport.windowsOverLimit(this.redis.sortedGrantTimes(), 2, Duration.ofMillis(100)))
			.isZero();
	}

	@Test
	void reservedWaitersWhoseTimersRunOutOfOrderAreGrantedInArrivalOrder() {
		// Each reserved grant runs on the executor when its timer fires: timers due
		// together
		// (or set from replies handled at different delays) may run in any order. This
		// executor runs the latest task first, the worst order there is.
		ManualTime time = new ManualTime();
		Deque<Runnable> tasks = new ConcurrentLinkedDeque<>();
		Executor latestFirst = tasks::push;
		RateLimiter limiter = this.redis.build(this.redis.factory().scheduler(time).executor(latestFirst))
			.create("fifo-timers", RateLimiterConfig.of(1, Duration.ofSeconds(1)), RateLimiterListener.none());
		CompletableFuture<Void> first = limiter.acquire();
		runUntil(tasks, first::isDone);
		RedisWaiter earlier = (RedisWaiter) limiter.acquire();
		RedisWaiter later = (RedisWaiter) limiter.acquire();
		runUntil(tasks, () -> earlier.reservation != null && later.reservation != null);
		List<String> overtaken = new CopyOnWriteArrayList<>();
		CompletableFuture<Void> laterGranted = later.thenRun(() -> {
			if (earlier.isWaiting()) {
				overtaken.add("later granted while the earlier waits");
			}
		});
		time.advance(Duration.ofSeconds(5));
		runUntil(tasks, () -> laterGranted.isDone() && earlier.isDone());
		assertThat(overtaken).isEmpty();
	}

	/** Runs the queued tasks, latest first, until {@code done}. */
	private static void runUntil(Deque<Runnable> tasks, BooleanSupplier done) {
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1)).until(() -> {
			Runnable task;
			while ((task = tasks.poll()) != null) {
				task.run();
			}
			return done.getAsBoolean();
		});
	}

	@Test
	void tryAcquireNeverOvertakesAWaiter() {
		// A period long enough that no pause of a busy machine lets the first grant (or
		// the waiter's) expire before the next step looks.
		RateLimiter limiter = limiter("overtake", 1, Duration.ofSeconds(2));
		assertThat(limiter.tryAcquire()).isTrue();
		CompletableFuture<Void> waiter = limiter.acquire();
		assertThat(limiter.waitingCount()).isOne();
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(limiter.availablePermits()).isZero();
		assertThat(waiter).succeedsWithin(Duration.ofSeconds(30));
		assertThat(limiter.tryAcquire()).isFalse();
	}

	@Test
	void acquireWithZeroTimeoutFailsAtOnceWhenNoPermitIsFree() {
		RateLimiter limiter = limiter("zero", 1, Duration.ofSeconds(10));
		assertThat(limiter.acquire(Duration.ZERO)).succeedsWithin(Duration.ofSeconds(5));
		assertThat(limiter.acquire(Duration.ZERO)).failsWithin(Duration.ofSeconds(5))
			.withThrowableOfType(java.util.concurrent.ExecutionException.class)
			.withCauseInstanceOf(TimeoutException.class);
	}

	@Test
	void timedOutAcquireFailsWithTimeoutExceptionAndLeavesTheQueue() {
		RateLimiter limiter = limiter("timeout", 1, Duration.ofSeconds(10));
		limiter.tryAcquire();
		CompletableFuture<Void> waiter = limiter.acquire(Duration.ofMillis(100));
		assertThat(waiter).failsWithin(Duration.ofSeconds(5))
			.withThrowableOfType(java.util.concurrent.ExecutionException.class)
			.withCauseInstanceOf(TimeoutException.class);
		assertThat(limiter.waitingCount()).isZero();
	}

	@Test
	void cancelledAndTimedOutAcquiresUnderContentionConsumeNoPermit() throws Exception {
		Duration period = Duration.ofMillis(300);
		int maxCalls = 10;
		RedisRateLimiter limiter = (RedisRateLimiter) limiter("abandon", maxCalls, period);
		RedisRateLimiter other = (RedisRateLimiter) this.redis.build(this.redis.factory())
			.create("abandon", RateLimiterConfig.of(maxCalls, period), RateLimiterListener.none());
		List<CompletableFuture<Void>> acquires = new CopyOnWriteArrayList<>();
		List<Thread> callers = new ArrayList<>();
		for (int t = 0; t < 8; t++) {
			RedisRateLimiter mine = (t % 2 == 0) ? limiter : other;
			Thread caller = new Thread(() -> {
				ThreadLocalRandom random = ThreadLocalRandom.current();
				for (int i = 0; i < 40; i++) {
					CompletableFuture<Void> acquire = (random.nextBoolean()) ? mine.acquire()
							: mine.acquire(Duration.ofMillis(random.nextInt(1, 80)));
					acquires.add(acquire);
					if (random.nextInt(3) == 0) {
						sleepMicros(random.nextInt(0, 3000));
						acquire.cancel(false);
					}
					sleepMicros(random.nextInt(0, 2000));
				}
			});
			callers.add(caller);
			caller.start();
		}
		for (Thread caller : callers) {
			caller.join();
		}
		// Whatever is still waiting gives up now, in the middle of calls in flight.
		acquires.forEach((acquire) -> acquire.cancel(false));
		long granted = acquires.stream()
			.filter((acquire) -> acquire.isDone() && !acquire.isCompletedExceptionally())
			.count();
		// Every acquire is decided now, but a reply being handled may have decided a
		// grant (which a lost cancel then completes) before logging it.
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.redis.grantTimes).hasSize((int) granted));
		// Entries still in the window are exactly the grants handed out in it: every
		// permit of an abandoned acquire went to another waiter or back to Redis.
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			long[] look = RedisTestSupport.look(this.commands, limiter.redisKey(), period);
			long now = look[0];
			long handedOut = this.redis.grantTimes.stream()
				.filter((time) -> time > now - period.toNanos() / 1000 && time <= now)
				.count();
			assertThat(look[1]).isEqualTo(handedOut);
			// No reservation of a waiter who gave up is left.
			assertThat(look[2]).isZero();
		});
		assertThat(RedisTestSupport.windowsOverLimit(this.redis.sortedGrantTimes(), maxCalls, period)).isZero();
		assertThat(limiter.waitingCount()).isZero();
		assertThat(other.waitingCount()).isZero();
	}

	@Test
	void aDeadlineScopeCancelsAWaitOnARedisLimiterWhichLeavesTheQueueAndTakesNoPermit() {
		RateLimiter limiter = limiter("deadline", 1, Duration.ofSeconds(2));
		assertThat(limiter.tryAcquire()).isTrue();
		AsyncUtils async = AsyncUtils.create(Runnable::run);
		CompletableFuture<Void> scoped = async.failAfter(Duration.ofMillis(200), limiter::acquire);
		assertThat(scoped).failsWithin(Duration.ofSeconds(5))
			.withThrowableOfType(java.util.concurrent.ExecutionException.class)
			.withCauseInstanceOf(TimeoutException.class);
		await().atMost(Duration.ofSeconds(5)).until(() -> limiter.waitingCount() == 0);
		// The cancelled wait took nothing: once the
		// first grant expires, one permit is free.
		await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(limiter::tryAcquire);
		assertThat(limiter.tryAcquire()).isFalse();
	}

	@Test
	void disconnectClosesTheConnectionAndTheNextCallOpensANewOne() {
		Set<String> clientsBefore = clientIds();
		RateLimiter limiter = limiter("reconnect", 5, Duration.ofSeconds(10));
		assertThat(limiter.tryAcquire()).isTrue();
		Set<String> limiterClients = clientIds();
		limiterClients.removeAll(clientsBefore);
		// Its commands' connection, and (if open yet)
		// the pub/sub one that hears hand-backs.
		assertThat(limiterClients).as("the limiter's connection").hasSize(1 + pubSubClients(limiterClients));

		this.factory.disconnect();

		await().atMost(Duration.ofSeconds(10)).until(() -> Collections.disjoint(clientIds(), limiterClients));
		assertThat(limiter.tryAcquireAsync()).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
		assertThat(limiter.availablePermits()).isEqualTo(3);
	}

	private int pubSubClients(Set<String> ids) {
		return (int) this.commands.clientList()
			.lines()
			.filter((line) -> ids.contains(line.substring(0, line.indexOf(' '))))
			.filter((line) -> line.matches(".* flags=\\w*P.*"))
			.count();
	}

	private Set<String> clientIds() {
		return this.commands.clientList()
			.lines()
			.map((line) -> line.substring(0, line.indexOf(' ')))
			.collect(Collectors.toCollection(HashSet::new));
	}

	@Test
	void aFlushedScriptCacheIsRefilled() {
		RateLimiter limiter = limiter("flush", 3, Duration.ofSeconds(10));
		assertThat(limiter.tryAcquire()).isTrue();
		this.commands.scriptFlush();
		assertThat(limiter.tryAcquire()).isTrue();
		this.commands.scriptFlush();
		assertThat(limiter.acquire()).succeedsWithin(Duration.ofSeconds(5));
		assertThat(limiter.tryAcquire()).isFalse();
		assertThat(this.commands.zcard(((RedisRateLimiter) limiter).redisKey())).isEqualTo(3);
	}

	@Test
	void listenersHearGrantsAndRejections() {
		RateLimiterRegistry registry = new RateLimiterRegistry();
		List<String> events = new CopyOnWriteArrayList<>();
		registry.addListener(new RateLimiterListener() {

			@Override
			public void granted(RateLimiter limiter, long waitNanos) {
				events.add("granted");
			}

			@Override
			public void rejected(RateLimiter limiter) {
				events.add("rejected");
			}

		});
		RateLimiter limiter = registry.rateLimiter("events", RateLimiterConfig.of(1, Duration.ofSeconds(10)),
				this.factory);
		limiter.tryAcquire();
		limiter.tryAcquire();
		assertThat(events).containsExactly("granted", "rejected");
	}

	@Test
	void aThousandWaitersHoldNoThread() {
		RateLimiter limiter = limiter("crowd", 1, Duration.ofHours(1));
		assertThat(limiter.tryAcquire()).isTrue();
		List<CompletableFuture<Void>> waiters = new ArrayList<>();
		for (int i = 0; i < 1000; i++) {
			waiters.add(limiter.acquire());
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> limiter.waitingCount() == 1000);
		// Neither a caller nor a worker of the library is parked for them: no thread that
		// is not running has a frame of this package (the test's own thread is running).
		Set<String> parked = Thread.getAllStackTraces()
			.entrySet()
			.stream()
			.filter((entry) -> entry.getKey().getState() != Thread.State.RUNNABLE)
			.filter((entry) -> Arrays.stream(entry.getValue())
				.anyMatch((frame) -> frame.getClassName().startsWith(RedisRateLimiter.class.getPackageName() + ".")))
			.map((entry) -> entry.getKey().getName())
			.collect(Collectors.toSet());
		assertThat(parked).isEmpty();
		assertThat(waiters).noneMatch(CompletableFuture::isDone);
		waiters.forEach((waiter) -> waiter.cancel(false));
		await().atMost(Duration.ofSeconds(30)).until(() -> limiter.waitingCount() == 0);
	}

	private RateLimiter limiter(String name, int maxCalls, Duration period) {
		return this.factory.create(name, RateLimiterConfig.of(maxCalls, period), RateLimiterListener.none());
	}

	private static void sleepMicros(long micros) {
		try {
			TimeUnit.MICROSECONDS.sleep(micros);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
