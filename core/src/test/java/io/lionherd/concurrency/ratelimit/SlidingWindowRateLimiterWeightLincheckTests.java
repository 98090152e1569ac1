package io.lionherd.concurrency.ratelimit;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Model checking (Lincheck) of weighted requests on the one-limit
 * {@link SlidingWindowRateLimiter}: a weighted grant, decided under the lock with the
 * control word held, against lock-free single grants and the gauge, on a limiter of three
 * permits whose clock never moves.
 */
@Tag("exhaustive")
class SlidingWindowRateLimiterWeightLincheckTests {

	@Test
	void weightedGrantAndLockFreeGrantsNeverExceedTheWindow() throws Exception {
		// Two single grants racing a grant of two: at most three permits in all.
		Method one = Model.class.getMethod("tryAcquire");
		Method two = Model.class.getMethod("tryAcquireTwo");
		Method available = Model.class.getMethod("available");
		ExecutionScenario scenario = new ExecutionScenario(List.of(),
				List.of(List.of(new Actor(two, List.of())),
						List.of(new Actor(one, List.of()), new Actor(one, List.of()))),
				List.of(new Actor(available, List.of())), null);
		new ModelCheckingOptions().iterations(0)
			.invocationsPerIteration(2_000)
			.addCustomScenario(scenario)
			.check(Model.class);
	}

	@Test
	void weightedAndSingleGrantsAreLinearizable() {
		new ModelCheckingOptions().iterations(10)
			.invocationsPerIteration(300)
			.threads(3)
			.actorsPerThread(2)
			.actorsBefore(1)
			.actorsAfter(1)
			.check(Model.class);
	}

	/** A fresh limiter per scenario: three permits, a clock that never moves. */
	public static final class Model {

		private final SlidingWindowRateLimiter limiter = new SlidingWindowRateLimiter("",
				RateLimiterConfig.of(3, Duration.ofSeconds(1)), () -> 42L,
				(executor, command, delay, unit) -> CompletableFuture.completedFuture(null), Runnable::run,
				RateLimiterListener.none());

		@Operation
		public boolean tryAcquire() {
			return this.limiter.tryAcquire();
		}

		@Operation
		public boolean tryAcquireTwo() {
			return this.limiter.tryAcquire(2);
		}

		@Operation
		public int available() {
			return this.limiter.availablePermits();
		}

	}

}
