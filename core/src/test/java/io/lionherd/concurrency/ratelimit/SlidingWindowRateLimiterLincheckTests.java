package io.lionherd.concurrency.ratelimit;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Model checking (Lincheck) of {@link SlidingWindowRateLimiter}'s lock-free paths: every
 * interleaving of {@code tryAcquire} and {@code availablePermits} on a limiter of two permits whose
 * clock stands still must be linearizable against the obvious sequential limiter (grants never
 * expire, so {@code availablePermits} is two minus the grants so far). Lincheck reruns the scenarios
 * under its own scheduler, switching threads at every shared-memory access, which is how a grant
 * whose slot write is still in flight becomes visible to a concurrent {@code availablePermits}.
 */
class SlidingWindowRateLimiterLincheckTests {

	@Test
	void availableCountsAGrantThatCompletedBeforeItWhileAnotherIsInFlight() throws Exception {
		// The interleaving that found the defect: one grant done, a second one between its CAS of
		// ctl and its slot write, then availablePermits() searching from a slot with a stale time.
		Method tryAcquire = Model.class.getMethod("tryAcquire");
		Method available = Model.class.getMethod("available");
		ExecutionScenario scenario = new ExecutionScenario(List.of(new Actor(tryAcquire, List.of())),
				List.of(List.of(new Actor(tryAcquire, List.of())), List.of(new Actor(available, List.of()))), List.of(),
				null);
		new ModelCheckingOptions().iterations(0)
			.invocationsPerIteration(5_000)
			.addCustomScenario(scenario)
			.check(Model.class);
	}

	@Test
	void tryAcquireAndAvailableAreLinearizable() {
		new ModelCheckingOptions().iterations(20)
			.invocationsPerIteration(500)
			.threads(3)
			.actorsPerThread(2)
			.actorsBefore(1)
			.actorsAfter(1)
			.check(Model.class);
	}

	/**
	 * The state Lincheck drives: a fresh limiter per scenario, two permits, a clock that never
	 * moves and a scheduler that is never needed (nothing waits).
	 */
	public static final class Model {

		private final SlidingWindowRateLimiter limiter = new SlidingWindowRateLimiter("",
				RateLimiterConfig.of(2, Duration.ofSeconds(1)), () -> 42L,
				(executor, command, delay, unit) -> CompletableFuture.completedFuture(null), Runnable::run,
				RateLimiterListener.none());

		@Operation
		public boolean tryAcquire() {
			return this.limiter.tryAcquire();
		}

		@Operation
		public int available() {
			return this.limiter.availablePermits();
		}

	}

}
