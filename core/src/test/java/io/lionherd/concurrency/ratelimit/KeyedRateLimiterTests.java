package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link RateLimiterRegistry#get(String, String)}: the handles, the key table,
 * exact forgetting and max-keys.
 */
class KeyedRateLimiterTests {

	private static final Duration PERIOD = Duration.ofSeconds(1);

	private final ManualTime time = new ManualTime();

	private final AsyncUtils asyncUtils = this.time.configure(AsyncUtils.builder()).executor(ManualTime.DIRECT).build();

	private final RateLimiterRegistry registry = new RateLimiterRegistry(this.asyncUtils.rateLimiterFactory());

	@Test
	void aKeyedLimiterReportsTheNameTheKeyAndTheNamedDefinition() {
		RateLimiterConfig config = RateLimiterConfig.of(2, PERIOD).withTimeout(Duration.ofSeconds(3));
		this.registry.rateLimiter("per-user", config);
		RateLimiter alice = this.registry.get("per-user", "alice");
		assertThat(alice.name()).isEqualTo("per-user");
		assertThat(alice.key()).contains("alice");
		assertThat(alice.config()).isEqualTo(config);
		assertThat(alice.backend()).isEqualTo("local");
		assertThat(this.registry.get("per-user").key()).isEmpty();
	}

	@Test
	void eachKeyHasItsOwnWindowApartFromTheNamedLimiter() {
		RateLimiter named = this.registry.rateLimiter("per-user", RateLimiterConfig.of(2, PERIOD));
		assertThat(this.registry.get("per-user", "alice").tryAcquire()).isTrue();
		assertThat(this.registry.get("per-user", "alice").tryAcquire()).isTrue();
		assertThat(this.registry.get("per-user", "alice").tryAcquire()).isFalse();
		assertThat(this.registry.get("per-user", "bob").tryAcquire()).isTrue();
		assertThat(named.availablePermits()).isEqualTo(2);
		assertThat(this.registry.keyCount("per-user")).isEqualTo(2);
	}

	@Test
	void keysOfSeveralLimitsAreDecidedByTheMultiWindowLimiter() {
		RateLimiterConfig config = RateLimiterConfig.of(Limit.calls(2, PERIOD),
				Limit.permits(10, Duration.ofMinutes(1)));
		this.registry.rateLimiter("llm", config);
		RateLimiter alice = this.registry.get("llm", "alice");
		assertThat(alice.tryAcquire(6)).isTrue();
		assertThat(alice.tryAcquire(5)).isFalse();
		assertThat(alice.tryAcquire(4)).isTrue();
		assertThat(alice.tryAcquire(1)).isFalse();
		assertThat(this.registry.get("llm", "bob").tryAcquire(10)).isTrue();
	}

	@Test
	void anUnknownNameFailsAsGetOfTheName() {
		this.registry.rateLimiter("per-user", RateLimiterConfig.of(2, PERIOD));
		assertThatIllegalArgumentException().isThrownBy(() -> this.registry.get("nope", "alice"))
			.withMessage("No rate limiter named 'nope'; known rate limiters: [per-user]");
		assertThatIllegalArgumentException().isThrownBy(() -> this.registry.keyCount("nope"))
			.withMessage("No rate limiter named 'nope'; known rate limiters: [per-user]");
	}

	@Test
	void anEmptyOrNullKeyFails() {
		this.registry.rateLimiter("per-user", RateLimiterConfig.of(2, PERIOD));
		assertThatIllegalArgumentException().isThrownBy(() -> this.registry.get("per-user", ""))
			.withMessage("key must not be null or empty, but was '' (limiter 'per-user')");
		assertThatIllegalArgumentException().isThrownBy(() -> this.registry.get("per-user", null))
			.withMessage("key must not be null or empty, but was null (limiter 'per-user')");
	}

	@Test
	void aHandleKeptAcrossForgettingUsesTheFreshState() {
		this.registry.rateLimiter("per-user", RateLimiterConfig.of(1, PERIOD));
		RateLimiter alice = this.registry.get("per-user", "alice");
		assertThat(alice.tryAcquire()).isTrue();
		this.time.advance(PERIOD);
		assertThat(this.registry.keyCount("per-user")).isZero();
		assertThat(alice.tryAcquire()).isTrue();
		assertThat(alice.tryAcquire()).isFalse();
		assertThat(this.registry.keyCount("per-user")).isEqualTo(1);
	}

	@Test
	void aKeyIsForgottenNoLaterThanOneLongestPeriodAfterItWentIdle() {
		RateLimiterConfig config = RateLimiterConfig.of(Limit.calls(5, PERIOD),
				Limit.calls(20, PERIOD.multipliedBy(4)));
		this.registry.rateLimiter("per-user", config);
		// Table created at 0: sweeps at 4 s, 8 s, ...
		this.registry.get("per-user", "alice").tryAcquire();
		this.time.advance(Duration.ofMillis(3500));
		this.registry.get("per-user", "alice").tryAcquire();
		// Idle (its grant at 3.5 s left the 4 s window) from 7.5 s; dropped by the sweep
		// at 8 s, within one longest period.
		this.time.advance(Duration.ofMillis(4000));
		assertThat(this.registry.keyCount("per-user")).isEqualTo(1);
		this.time.advance(Duration.ofMillis(499));
		assertThat(this.registry.keyCount("per-user")).isEqualTo(1);
		this.time.advance(Duration.ofMillis(1));
		assertThat(this.registry.keyCount("per-user")).isZero();
	}

	@Test
	void noTimerIsPendingWhileTheTableIsEmpty() {
		this.registry.rateLimiter("per-user", RateLimiterConfig.of(1, PERIOD));
		assertThat(this.time.pendingCount()).isZero();
		this.registry.get("per-user", "alice").tryAcquire();
		assertThat(this.time.pendingCount()).isEqualTo(1);
		this.time.advance(PERIOD);
		assertThat(this.registry.keyCount("per-user")).isZero();
		assertThat(this.time.pendingCount()).isZero();
		this.registry.get("per-user", "bob").tryAcquire();
		assertThat(this.time.pendingCount()).isEqualTo(1);
	}

	@Test
	void aKeyWithAGrantStillInsideItsWindowIsKept() {
		this.registry.rateLimiter("per-user", RateLimiterConfig.of(2, PERIOD));
		RateLimiter alice = this.registry.get("per-user", "alice");
		this.time.advance(Duration.ofMillis(500));
		// The sweep at 1 s sees the grant of 0.5 s inside the window.
		alice.tryAcquire();
		this.time.advance(Duration.ofMillis(500));
		assertThat(this.registry.keyCount("per-user")).isEqualTo(1);
		assertThat(alice.availablePermits()).isEqualTo(1);
		this.time.advance(PERIOD);
		assertThat(this.registry.keyCount("per-user")).isZero();
	}

	@Test
	void aKeyWithAWaiterIsKeptUntilTheWaiterIsGrantedAndItsGrantLeavesTheWindow() throws Exception {
		this.registry.rateLimiter("per-user", RateLimiterConfig.of(1, Duration.ofSeconds(10)));
		RateLimiter alice = this.registry.get("per-user", "alice");
		this.registry.get("per-user", "bob").tryAcquire();
		assertThat(alice.tryAcquire()).isTrue();
		this.time.advance(Duration.ofSeconds(5));
		CompletableFuture<Void> waiter = alice.acquire();
		// The sweep at 10 s grants the waiter (the wake-up due then runs first) or finds
		// it waiting: either way alice is kept, bob is forgotten.
		this.time.advance(Duration.ofSeconds(5));
		assertThat(waiter).isCompleted();
		assertThat(this.registry.keyCount("per-user")).isEqualTo(1);
		assertThat(alice.tryAcquire()).isFalse();
		this.time.advance(Duration.ofSeconds(10));
		assertThat(this.registry.keyCount("per-user")).isZero();
	}

	@Test
	void aWaiterQueuedAcrossASweepKeepsItsKey() {
		this.registry.rateLimiter("per-user", RateLimiterConfig.of(1, Duration.ofSeconds(10)));
		RateLimiter alice = this.registry.get("per-user", "alice");
		this.time.advance(Duration.ofSeconds(9));
		alice.tryAcquire();
		CompletableFuture<Void> waiter = alice.acquire();
		this.time.advance(Duration.ofSeconds(1));
		// Sweep at 10 s: the grant of 9 s is live and the waiter waits for 19 s.
		assertThat(waiter).isNotDone();
		assertThat(alice.waitingCount()).isEqualTo(1);
		assertThat(this.registry.keyCount("per-user")).isEqualTo(1);
		this.time.advance(Duration.ofSeconds(9));
		assertThat(waiter).isCompleted();
		assertThat(alice.tryAcquire()).isFalse();
	}

	@Test
	void aKeyReusedAfterForgettingNeverExceedsItsLimitInAWindowSpanningTheForgetting() {
		this.registry.rateLimiter("per-user", RateLimiterConfig.of(3, PERIOD));
		RateLimiter alice = this.registry.get("per-user", "alice");
		List<Long> grants = new ArrayList<>();
		// Bursts at irregular instants over 20 periods, with idle gaps that let the key
		// be forgotten between some of them.
		long[] steps = { 0, 300, 900, 1700, 100, 2500, 999, 1, 1000, 3000, 650, 350, 1200, 2000, 10, 990 };
		int forgotten = 0;
		for (long step : steps) {
			this.time.advance(Duration.ofMillis(step));
			if (this.registry.keyCount("per-user") == 0) {
				forgotten++;
			}
			for (int i = 0; i < 4; i++) {
				if (alice.tryAcquire()) {
					grants.add(this.time.elapsed().toMillis());
				}
			}
		}
		assertThat(forgotten).isGreaterThan(2);
		assertAtMostPerWindow(grants, 3, PERIOD.toMillis());
	}

	@Test
	void aFullTableRefusesANewKeyAtOnceAndExistingKeysGoOn() {
		this.registry.rateLimiter("per-user", RateLimiterConfig.of(1, PERIOD).withMaxKeys(2));
		RateLimiter alice = this.registry.get("per-user", "alice");
		assertThat(alice.tryAcquire()).isTrue();
		assertThat(this.registry.get("per-user", "bob").tryAcquire()).isTrue();
		RateLimiter carol = this.registry.get("per-user", "carol");
		assertThat(carol.tryAcquire()).isFalse();
		assertThat(carol.tryAcquireAsync()).isCompletedWithValue(false);
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> carol.acquire().get())
			.havingCause()
			.isInstanceOf(RateLimitExceededException.class)
			.withMessage("The key table of rate limiter 'per-user' is full (max-keys 2): a new key is refused until "
					+ "idle keys are forgotten, at most PT1S (the longest period) after they went idle")
			.satisfies((ex) -> assertThat(((RateLimitExceededException) ex).limiterName()).isEqualTo("per-user"));
		assertThat(this.registry.keyCount("per-user")).isEqualTo(2);
		assertThat(alice.tryAcquire()).isFalse();
		this.time.advance(PERIOD);
		assertThat(carol.tryAcquire()).isTrue();
	}

	@Test
	void aRefusedBlockingCallThrowsTheTableFullException() {
		this.registry.rateLimiter("per-user", RateLimiterConfig.of(1, PERIOD).withMaxKeys(1));
		this.registry.get("per-user", "alice").tryAcquire();
		assertThatExceptionOfType(RateLimitExceededException.class)
			.isThrownBy(() -> this.registry.get("per-user", "bob").executeCallable(() -> "called"))
			.withMessageContaining("key table of rate limiter 'per-user' is full (max-keys 1)");
	}

	@Test
	void readsOfAKeyWithoutStateAnswerAsAFreshLimiterAndCreateNothing() {
		RateLimiterConfig config = RateLimiterConfig.of(Limit.calls(2, PERIOD),
				Limit.permits(10, Duration.ofMinutes(1)));
		this.registry.rateLimiter("llm", config);
		RateLimiter alice = this.registry.get("llm", "alice");
		assertThat(alice.availablePermits()).isEqualTo(10);
		assertThat(alice.waitingCount()).isZero();
		assertThat(alice.status()).isEqualTo(new LimitStatus(Limit.calls(2, PERIOD), 2, Duration.ZERO));
		assertThat(this.registry.keyCount("llm")).isZero();
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void eventsOfKeysReachListenersAsTheNamedLimitersAndAddedFiresOncePerName() {
		RateLimiter named = this.registry.rateLimiter("per-user", RateLimiterConfig.of(1, PERIOD).withMaxKeys(1));
		List<String> events = new ArrayList<>();
		this.registry.addListener(new RateLimiterListener() {

			@Override
			public void added(RateLimiter limiter) {
				events.add("added " + limiter.name());
			}

			@Override
			public void granted(RateLimiter limiter, long waitNanos) {
				events.add("granted " + (limiter == named));
			}

			@Override
			public void rejected(RateLimiter limiter) {
				events.add("rejected " + (limiter == named));
			}

			@Override
			public void keyRefused(RateLimiter limiter) {
				events.add("keyRefused " + (limiter == named));
			}

		});
		this.registry.get("per-user", "alice").tryAcquire();
		this.registry.get("per-user", "alice").tryAcquire();
		this.registry.get("per-user", "bob").tryAcquire();
		assertThat(events).containsExactly("added per-user", "granted true", "rejected true", "rejected true",
				"keyRefused true");
	}

	static void assertAtMostPerWindow(List<Long> grants, int max, long period) {
		List<Long> sorted = new ArrayList<>(grants);
		sorted.sort(null);
		for (int i = max; i < sorted.size(); i++) {
			assertThat(sorted.get(i) - sorted.get(i - max)).as("grants %s: %d within one period", sorted, max + 1)
				.isGreaterThanOrEqualTo(period);
		}
	}

}
