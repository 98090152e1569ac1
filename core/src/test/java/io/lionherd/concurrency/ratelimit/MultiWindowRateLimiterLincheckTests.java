package io.lionherd.concurrency.ratelimit;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;

import io.lionherd.concurrency.ManualTime;

import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Model checking (Lincheck) of the weighted, multi-limit decision of
 * {@link MultiWindowRateLimiter}: every interleaving of weighted tries and acquires,
 * cancels, a clock step, the timer going off and the gauges, on a limiter of 2 calls and
 * 3 permits per period, must be linearizable against the same limiter run one operation
 * at a time. As in {@link SlidingWindowRateLimiterLincheckTests}, clock steps and
 * acquires never run at the same time (an acquire plans on one clock reading).
 */
@Tag("exhaustive")
class MultiWindowRateLimiterLincheckTests {

	@Test
	void twoWeightedTriesThatFitOnlyOneAtATimeAreNotBothGranted() throws Exception {
		// 2 + 2 permits of 3: whichever decides first takes them, the other is refused
		// and one permit stays free.
		Method tryAcquire = Model.class.getMethod("tryAcquire", int.class);
		Method available = Model.class.getMethod("available");
		ExecutionScenario scenario = new ExecutionScenario(List.of(),
				List.of(List.of(new Actor(tryAcquire, List.of(2))), List.of(new Actor(tryAcquire, List.of(2)))),
				List.of(new Actor(available, List.of())), null);
		new ModelCheckingOptions().iterations(0)
			.invocationsPerIteration(1_000)
			.addCustomScenario(scenario)
			.check(Model.class);
	}

	@Test
	void cancelOfTheHeadRacingTheTimerChargesOnlyWhatWasGranted() throws Exception {
		// A full window, a waiter for 2 and one for 1 behind it, the clock a period on:
		// the timer grants while the head is cancelled; either way the permits charged
		// match the grants seen.
		Method tryAcquire = Model.class.getMethod("tryAcquire", int.class);
		Method acquire = Model.class.getMethod("acquire", int.class);
		Method advance = Model.class.getMethod("advance");
		Method fire = Model.class.getMethod("fire");
		Method cancelFirst = Model.class.getMethod("cancelFirst");
		Method available = Model.class.getMethod("available");
		Method granted = Model.class.getMethod("granted");
		ExecutionScenario scenario = new ExecutionScenario(
				List.of(new Actor(tryAcquire, List.of(3)), new Actor(acquire, List.of(2)),
						new Actor(acquire, List.of(1)), new Actor(advance, List.of())),
				List.of(List.of(new Actor(fire, List.of())),
						List.of(new Actor(cancelFirst, List.of()), new Actor(available, List.of()))),
				List.of(new Actor(fire, List.of()), new Actor(granted, List.of()), new Actor(available, List.of())),
				null);
		new ModelCheckingOptions().iterations(0)
			.invocationsPerIteration(1_000)
			.addCustomScenario(scenario)
			.check(Model.class);
	}

	@Test
	void weightedDecisionsAreLinearizable() {
		new ModelCheckingOptions().iterations(10)
			.invocationsPerIteration(300)
			.threads(3)
			.actorsPerThread(2)
			.actorsBefore(2)
			.actorsAfter(2)
			.check(Model.class);
	}

	/**
	 * A fresh limiter per scenario: 2 calls and 3 permits per period, on a
	 * {@link ManualTime} clock whose timer goes off when told ({@code fire}).
	 */
	@Param(name = "permits", gen = IntGen.class, conf = "1:3")
	public static final class Model {

		private static final Duration PERIOD = Duration.ofSeconds(1);

		private final ManualTime time = new ManualTime();

		private final LinkedBlockingQueue<FutureTask<?>> timer = new LinkedBlockingQueue<>();

		private final MultiWindowRateLimiter limiter = new MultiWindowRateLimiter("",
				RateLimiterConfig.of(Limit.calls(2, PERIOD), Limit.permits(3, PERIOD)), this.time,
				(executor, command, delay, unit) -> {
					FutureTask<?> entry = new FutureTask<>(() -> executor.execute(command), null);
					this.timer.add(entry);
					return entry;
				}, ManualTime.DIRECT, RateLimiterListener.none());

		private final ConcurrentLinkedQueue<CompletableFuture<Void>> acquired = new ConcurrentLinkedQueue<>();

		@Operation
		public boolean tryAcquire(@Param(name = "permits") int permits) {
			return this.limiter.tryAcquire(permits);
		}

		@Operation
		public int available() {
			return this.limiter.availablePermits();
		}

		@Operation
		public int waiting() {
			return this.limiter.waitingCount();
		}

		@Operation(nonParallelGroup = "clock")
		public void advance() {
			this.time.advance(PERIOD);
		}

		@Operation
		public void fire() {
			List<FutureTask<?>> pending = new ArrayList<>();
			this.timer.drainTo(pending);
			pending.forEach(FutureTask::run);
		}

		/** Whether it was granted at once. */
		@Operation(nonParallelGroup = "clock")
		public boolean acquire(@Param(name = "permits") int permits) {
			CompletableFuture<Void> acquire = this.limiter.acquire(permits);
			this.acquired.add(acquire);
			return acquire.isDone();
		}

		/** Whether it was granted, or refused, at once. */
		@Operation(nonParallelGroup = "clock")
		public boolean acquireWithinHalfAPeriod(@Param(name = "permits") int permits) {
			return this.limiter.acquire(permits, PERIOD.dividedBy(2)).isDone();
		}

		/** Cancels the first acquire; {@code false} if there was none. */
		@Operation
		public boolean cancelFirst() {
			CompletableFuture<Void> first = this.acquired.peek();
			return first != null && first.cancel(false);
		}

		/** How many acquires without a timeout are granted. */
		@Operation
		public int granted() {
			int granted = 0;
			for (CompletableFuture<Void> acquire : this.acquired) {
				if (acquire.isDone() && !acquire.isCompletedExceptionally()) {
					granted++;
				}
			}
			return granted;
		}

	}

}
