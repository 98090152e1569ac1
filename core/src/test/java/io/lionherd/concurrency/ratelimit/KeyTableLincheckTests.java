package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Model checking (Lincheck) of the key table: keyed {@code tryAcquire}, the sweep that
 * forgets keys and the key count, in every interleaving, must be linearizable against the
 * same registry run one operation at a time. A key whose state were dropped while an
 * operation is inside it would grant twice in one window, which no sequential order
 * explains.
 */
@Tag("exhaustive")
class KeyTableLincheckTests {

	@Test
	void aTryAcquireRacingTheSweepOfItsKeyIsLinearizable() throws Exception {
		// The key's only grant has left the window; one thread tries again while another
		// sweeps: the sweep drops the state either before the try (which then creates a
		// fresh one) or not at all, never under it (else the try after would be granted
		// too, two grants in one window).
		check(new ExecutionScenario(List.of(actor("tryAcquire"), actor("advance")),
				List.of(List.of(actor("tryAcquire")), List.of(actor("sweep"))),
				List.of(actor("tryAcquire"), actor("keyCount")), null));
	}

	@Test
	void keyedOperationsAndSweepsAreLinearizable() {
		new ModelCheckingOptions().iterations(5)
			.invocationsPerIteration(150)
			.threads(3)
			.actorsPerThread(2)
			.actorsBefore(2)
			.actorsAfter(2)
			.check(Model.class);
	}

	private static Actor actor(String operation) throws NoSuchMethodException {
		return new Actor(CountingModel.class.getMethod(operation), List.of());
	}

	private static void check(ExecutionScenario scenario) {
		new ModelCheckingOptions().iterations(0)
			.invocationsPerIteration(300)
			.addCustomScenario(scenario)
			.check(CountingModel.class);
	}

	/**
	 * {@link Model} with the key count, in the scenarios above only: a key counts from
	 * the start of the operation that creates its state, before that operation decides,
	 * so a count read beside the first operations of a key and another that races it may
	 * see a key whose first decision is still to come; the grants are what must be exact.
	 */
	public static final class CountingModel extends Model {

		@Operation
		public int keyCount() {
			return registry().keyCount("per-user");
		}

	}

	/**
	 * A fresh registry per scenario: one key of a limiter of 1 permit per second on a
	 * {@link ManualTime} clock, whose sweep runs when told ({@code sweep}) rather than
	 * when the clock passes it. Clock steps never run beside another operation.
	 */
	public static class Model {

		private static final Duration PERIOD = Duration.ofSeconds(1);

		private final ManualTime time = new ManualTime();

		private final LinkedBlockingQueue<FutureTask<?>> timer = new LinkedBlockingQueue<>();

		private final RateLimiterRegistry registry = new RateLimiterRegistry(
				RateLimiterFactory.inMemory(this.time, (executor, command, delay, unit) -> {
					FutureTask<?> entry = new FutureTask<>(() -> executor.execute(command), null);
					this.timer.add(entry);
					return entry;
				}, ManualTime.DIRECT));

		private final RateLimiter key;

		public Model() {
			this.registry.rateLimiter("per-user", RateLimiterConfig.of(1, PERIOD));
			this.key = this.registry.get("per-user", "alice");
		}

		@Operation
		public boolean tryAcquire() {
			return this.key.tryAcquire();
		}

		RateLimiterRegistry registry() {
			return this.registry;
		}

		@Operation(nonParallelGroup = "clock")
		public void advance() {
			this.time.advance(PERIOD);
		}

		/** Runs the sweeps pending at its start. */
		@Operation
		public void sweep() {
			List<FutureTask<?>> pending = new ArrayList<>();
			this.timer.drainTo(pending);
			pending.forEach(FutureTask::run);
		}

	}

}
