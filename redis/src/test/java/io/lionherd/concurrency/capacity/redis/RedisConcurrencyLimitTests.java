package io.lionherd.concurrency.capacity.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitExceededException;
import io.lionherd.concurrency.ratelimit.redis.RedisServerExtension;
import io.lionherd.concurrency.ratelimit.redis.RedisServerProcess;
import io.lionherd.concurrency.ratelimit.redis.RedisTestSupport;
import io.lettuce.core.api.sync.RedisCommands;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@link RedisConcurrencyLimit} on a real Redis server: grants, refusals, FIFO waiters,
 * timeouts and cancels that take nothing, releases that wake the waiters of another
 * instance, leases that end a crashed holder's hold and renewals that keep a live one's.
 */
@ExtendWith(RedisServerExtension.class)
class RedisConcurrencyLimitTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final Duration LONG_LEASE = Duration.ofMinutes(1);

	private CapacityTestSupport redis;

	private RedisCommands<String, String> commands;

	@BeforeEach
	void setUp(RedisServerProcess server) {
		this.redis = new CapacityTestSupport(server);
		this.commands = this.redis.redis();
	}

	@AfterEach
	void tearDown() throws Exception {
		this.redis.close();
	}

	@Test
	void grantsUpToTheTotalAndRefusesTheNextAtOnceWithAZeroTimeout() {
		ConcurrencyLimit limit = limit(this.redis.factory(), "grant", 2, LONG_LEASE);
		assertThat(limit.acquire(Duration.ZERO)).succeedsWithin(WAIT);
		assertThat(limit.acquire(Duration.ZERO)).succeedsWithin(WAIT);
		assertThat(limit.acquire(Duration.ZERO)).failsWithin(WAIT)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(ConcurrencyLimitExceededException.class)
			.withMessageContaining("'grant'");
		assertThat(limit.inUse()).isEqualTo(2);
		assertThat(limit.available()).isZero();
		assertThat(this.commands.zcard(this.redis.key("grant"))).isEqualTo(2);
		assertThat(this.commands.get(this.redis.key("grant") + ":def")).isEqualTo("total=2");
	}

	private static Set<String> threadsParkedInThisPackage() {
		return Thread.getAllStackTraces()
			.entrySet()
			.stream()
			.filter((entry) -> entry.getKey().getState() != Thread.State.RUNNABLE)
			.filter((entry) -> Arrays.stream(entry.getValue())
				.anyMatch(
						(frame) -> frame.getClassName().startsWith(RedisConcurrencyLimit.class.getPackageName() + ".")))
			.map((entry) -> entry.getKey().getName())
			.collect(Collectors.toSet());
	}

	@Test
	void aThousandWaitersHoldNoThread() {
		ConcurrencyLimit limit = limit(this.redis.factory(), "crowd", 1, LONG_LEASE);
		CapacityLimiter.Permit held = limit.acquire().join();
		List<CompletableFuture<CapacityLimiter.Permit>> waiters = new ArrayList<>();
		for (int i = 0; i < 1000; i++) {
			waiters.add(limit.acquire());
		}
		awaitShortly().until(() -> limit.waitingCount() == 1000);
		// Neither a caller nor a worker of the library is parked for them: no thread that
		// is not running has a frame of this package (the test's own thread is running).
		// Awaited, not read once: a worker may wait a moment for a limit's lock.
		awaitShortly().pollInSameThread().untilAsserted(() -> assertThat(threadsParkedInThisPackage()).isEmpty());
		assertThat(waiters).noneMatch(CompletableFuture::isDone);
		waiters.forEach((waiter) -> waiter.cancel(false));
		awaitShortly().until(() -> limit.waitingCount() == 0);
		held.close();
	}

	@Test
	void waitersOfAnInstanceAreServedInArrivalOrder() {
		ConcurrencyLimit limit = limit(this.redis.factory(), "fifo", 1, LONG_LEASE);
		CapacityLimiter.Permit first = limit.acquire().join();
		List<CompletableFuture<CapacityLimiter.Permit>> waiters = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			waiters.add(limit.acquire());
			int queued = i + 1;
			awaitShortly().until(() -> limit.waitingCount() == queued);
		}
		CapacityLimiter.Permit held = first;
		for (CompletableFuture<CapacityLimiter.Permit> waiter : waiters) {
			assertThat(waiter).isNotDone();
			held.close();
			held = waiter.join();
			for (CompletableFuture<CapacityLimiter.Permit> later : waiters.subList(waiters.indexOf(waiter) + 1,
					waiters.size())) {
				assertThat(later).isNotDone();
			}
		}
		held.close();
		awaitShortly().until(() -> this.commands.zcard(this.redis.key("fifo")) == 0);
		assertThat(limit.waitingCount()).isZero();
	}

	@Test
	void anAcquireThatTimesOutTakesNothing() {
		ConcurrencyLimit limit = limit(this.redis.factory(), "timeout", 1, LONG_LEASE);
		CapacityLimiter.Permit held = limit.acquire().join();
		CompletableFuture<CapacityLimiter.Permit> late = limit.acquire(Duration.ofMillis(100));
		CompletableFuture<CapacityLimiter.Permit> next = limit.acquire();
		assertThat(late).failsWithin(WAIT)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(ConcurrencyLimitExceededException.class)
			.withMessageContaining("within PT0.1S");
		assertThat(limit.waitingCount()).isEqualTo(1);
		held.close();
		assertThat(next).succeedsWithin(WAIT);
		assertThat(this.commands.zcard(this.redis.key("timeout"))).isEqualTo(1);
	}

	@Test
	void aCancelledAcquireGivesUpItsPlace() {
		ConcurrencyLimit limit = limit(this.redis.factory(), "cancel", 1, LONG_LEASE);
		CapacityLimiter.Permit held = limit.acquire().join();
		CompletableFuture<CapacityLimiter.Permit> cancelled = limit.acquire();
		CompletableFuture<CapacityLimiter.Permit> next = limit.acquire();
		awaitShortly().until(() -> limit.waitingCount() == 2);
		cancelled.cancel(false);
		assertThat(limit.waitingCount()).isEqualTo(1);
		held.close();
		assertThat(next).succeedsWithin(WAIT);
		assertThat(this.commands.zcard(this.redis.key("cancel"))).isEqualTo(1);
	}

	@Test
	void aReleaseWakesTheWaiterOfAnotherInstanceWithoutPolling() {
		ConcurrencyLimit holder = limit(this.redis.factory(), "wake", 1, LONG_LEASE);
		// The waiter's timer never moves: no lease end, no retry can wake it, only
		// the release published by the other instance.
		ManualTime frozen = new ManualTime();
		ConcurrencyLimit waiting = limit(this.redis.factory().scheduler(frozen).executor(ManualTime.DIRECT), "wake", 1,
				LONG_LEASE);
		CapacityLimiter.Permit held = holder.acquire().join();
		long scriptCallsBefore = RedisTestSupport.commandCalls(this.commands, "evalsha")
				+ RedisTestSupport.commandCalls(this.commands, "eval");
		CompletableFuture<CapacityLimiter.Permit> waiter = waiting.acquire();
		awaitShortly().until(() -> waiting.waitingCount() == 1);
		held.close();
		assertThat(waiter).succeedsWithin(WAIT);
		long scriptCalls = RedisTestSupport.commandCalls(this.commands, "evalsha")
				+ RedisTestSupport.commandCalls(this.commands, "eval") - scriptCallsBefore;
		// The refused ask, perhaps one more once subscribed, the release, the granted
		// ask.
		assertThat(scriptCalls).isBetween(3L, 4L);
		assertThat(waiting.inUse()).isEqualTo(1);
	}

	@Test
	void aCrashedHoldersPermitComesBackWhenItsLeaseEnds() {
		Duration lease = Duration.ofMillis(300);
		// An instance whose timer stopped: it never renews, as if it crashed.
		ManualTime stopped = new ManualTime();
		ConcurrencyLimit crashed = limit(this.redis.factory().scheduler(stopped).executor(ManualTime.DIRECT), "crash",
				1, lease);
		ConcurrencyLimit survivor = limit(this.redis.factory(), "crash", 1, LONG_LEASE);
		assertThat(crashed.acquire()).succeedsWithin(WAIT);
		long heldAt = System.nanoTime();
		CompletableFuture<CapacityLimiter.Permit> waiter = survivor.acquire();
		assertThat(waiter).succeedsWithin(WAIT);
		assertThat(Duration.ofNanos(System.nanoTime() - heldAt)).isLessThan(lease.plus(Duration.ofSeconds(2)));
		// Woken by the lease end the refusal reported, not by a release.
		assertThat(this.redis.holds).noneMatch((hold) -> hold.startsWith("released"));
	}

	@Test
	void renewalKeepsTheLeaseOfAPermitHeldLongerThanIt() {
		Duration lease = Duration.ofMillis(300);
		ConcurrencyLimit limit = limit(this.redis.factory(), "renew", 1, lease);
		ConcurrencyLimit other = limit(this.redis.factory(), "renew", 1, lease);
		CapacityLimiter.Permit held = limit.acquire().join();
		long start = serverMillis();
		awaitShortly().until(() -> serverMillis() - start > 4 * lease.toMillis());
		assertThat(other.acquire(Duration.ZERO)).failsWithin(WAIT)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(ConcurrencyLimitExceededException.class);
		Double expiry = this.commands.zscore(this.redis.key("renew"),
				this.commands.zrange(this.redis.key("renew"), 0, 0).get(0));
		assertThat(expiry.longValue()).isGreaterThan(serverMillis());
		held.close();
		// The release, published, wakes it.
		assertThat(other.acquire(WAIT)).succeedsWithin(WAIT);
	}

	@Test
	void anIdleLimitLeavesNothingInRedisOnceItsLeaseEnds() {
		Duration lease = Duration.ofMillis(200);
		ConcurrencyLimit limit = limit(this.redis.factory(), "idle", 1, lease);
		limit.acquire().join().close();
		String key = this.redis.key("idle");
		assertThat(this.commands.pttl(key + ":def")).isBetween(1L, lease.toMillis());
		awaitShortly().until(() -> this.commands.exists(key, key + ":def") == 0);
	}

	private static ConditionFactory awaitShortly() {
		return await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
	}

	private long serverMillis() {
		List<String> time = this.commands.time();
		return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
	}

	private ConcurrencyLimit limit(RedisConcurrencyLimitFactory.Builder builder, String name, int total,
			Duration lease) {
		return this.redis.limit(this.redis.build(builder), name, total, lease);
	}

}
