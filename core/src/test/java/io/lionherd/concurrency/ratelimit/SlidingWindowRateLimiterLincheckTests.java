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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Model checking (Lincheck) of {@link SlidingWindowRateLimiter}: every interleaving of
 * its operations on a limiter of two permits must be linearizable against the same
 * limiter run one operation at a time. {@link Model} keeps the clock still (grants never
 * expire); {@link WaitingModel} adds a clock step of one period (which empties the
 * window), the timer going off, queued acquires and their cancellation, and the
 * {@code waitingCount} gauge. Lincheck reruns the scenarios under its own scheduler,
 * switching threads at every shared-memory access, which is how a grant whose slot write
 * is still in flight becomes visible to a concurrent {@code availablePermits}.
 */
@Tag("exhaustive")
class SlidingWindowRateLimiterLincheckTests {

	@Test
	void availableCountsAGrantThatCompletedBeforeItWhileAnotherIsInFlight() throws Exception {
		// The interleaving that found the defect: one grant done, a second one between
		// its CAS of ctl and its slot write, then availablePermits() searching from a
		// slot with a stale time.
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
	void availableNeverMixesTheClockBeforeAStepWithAGrantAfterIt() throws Exception {
		// One permit used; a clock step empties the window while another grant is taken:
		// the gauge may answer 1 (before the step) or 1 or 2 (after it), never 0.
		check(scenario(List.of(actor("tryAcquire")),
				List.of(List.of(actor("available")), List.of(actor("advance")), List.of(actor("tryAcquire")))));
	}

	@Test
	void waitingDoesNotCountAWaiterOnceACancelOfItHasReturned() throws Exception {
		// A full window and one waiter, cancelled twice at once: once either cancel has
		// returned, nobody waits.
		check(scenario(List.of(actor("tryAcquire"), actor("tryAcquire"), actor("acquire")),
				List.of(List.of(actor("cancelFirst")), List.of(actor("cancelFirst"), actor("waiting")))));
	}

	@Test
	void tryAcquireIsNotRefusedOnceTheLastWaitersGrantIsComplete() throws Exception {
		// A full window, one waiter, the clock a period on; the wake-up grants the waiter
		// while its cancel races: a cancel that loses to the grant returns false, and
		// then the window has room and nobody waits.
		check(scenario(List.of(actor("tryAcquire"), actor("tryAcquire"), actor("acquire"), actor("advance")),
				List.of(List.of(actor("fire")), List.of(actor("cancelFirst"), actor("tryAcquire")))));
	}

	@Test
	void waitingAndTheClockAreLinearizable() {
		new ModelCheckingOptions().iterations(8)
			.invocationsPerIteration(300)
			.threads(3)
			.actorsPerThread(2)
			.actorsBefore(3)
			.actorsAfter(2)
			.check(WaitingModel.class);
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

	private static Actor actor(String operation) throws NoSuchMethodException {
		return new Actor(WaitingModel.class.getMethod(operation), List.of());
	}

	private static ExecutionScenario scenario(List<Actor> init, List<List<Actor>> parallel) {
		return new ExecutionScenario(init, parallel, List.of(), null);
	}

	private static void check(ExecutionScenario scenario) {
		new ModelCheckingOptions().iterations(0)
			.invocationsPerIteration(1_000)
			.addCustomScenario(scenario)
			.check(WaitingModel.class);
	}

	/**
	 * The state Lincheck drives: a fresh limiter per scenario, two permits, a clock that
	 * never moves and a scheduler that is never needed (nothing waits).
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

	/**
	 * A fresh limiter per scenario with two permits on a {@link ManualTime} clock: a
	 * clock step of one period, a timer that goes off when told ({@code fire}), acquires
	 * without a timeout that may queue, cancels of the first acquire, and both gauges.
	 * <p>
	 * The timer is apart from the clock: {@code fire} runs every wake-up pending at its
	 * start, due or not (the limiter re-reads its clock, so an early wake-up only
	 * reschedules). Clock steps and acquires never run at the same time: an acquire
	 * decides to wait on one clock reading and schedules its wake-up after it, so a step
	 * in between would leave the waiter to a later wake-up than the step's, which no
	 * sequential order explains; with a real clock that lateness is the time between the
	 * reading and the scheduling.
	 */
	public static final class WaitingModel {

		private static final Duration PERIOD = Duration.ofSeconds(1);

		private final ManualTime time = new ManualTime();

		private final LinkedBlockingQueue<FutureTask<?>> timer = new LinkedBlockingQueue<>();

		private final SlidingWindowRateLimiter limiter = new SlidingWindowRateLimiter("",
				RateLimiterConfig.of(2, PERIOD), this.time, (executor, command, delay, unit) -> {
					FutureTask<?> entry = new FutureTask<>(() -> executor.execute(command), null);
					this.timer.add(entry);
					return entry;
				}, ManualTime.DIRECT, RateLimiterListener.none());

		private final ConcurrentLinkedQueue<CompletableFuture<Void>> acquired = new ConcurrentLinkedQueue<>();

		@Operation
		public boolean tryAcquire() {
			return this.limiter.tryAcquire();
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

		@Operation(nonParallelGroup = "clock")
		public void acquire() {
			this.acquired.add(this.limiter.acquire());
		}

		/** Cancels the first acquire; {@code false} if there was none. */
		@Operation
		public boolean cancelFirst() {
			CompletableFuture<Void> first = this.acquired.peek();
			return first != null && first.cancel(false);
		}

	}

}
