package io.lionherd.concurrency;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Model checking (Lincheck) of {@link CapacityLimiter}'s lock-free fast path beside its
 * lock-based slow path: every interleaving of {@code tryAcquire}, {@code acquire}, the
 * close of a held permit, {@code setTotal} and the three gauges on a limiter of one
 * permit must be linearizable against {@link Spec}, a plain counter of the permits held
 * and a count of the waiters, which grants waiters before anyone else whenever a permit
 * is freed or the total raised.
 * <p>
 * Every thread closes only the permits it took (a thread's bookkeeping is its own, so the
 * checker sees only the limiter's races). A waiting acquire's permit is granted under the
 * limiter's lock and its future completed just after, before the call that freed the
 * permit returns; the operations therefore never look at a waiting future, and
 * {@link Model#grantsAreCompleteInOrder()} checks the futures whenever no operation runs:
 * as many undone as the limiter counts waiting, the done ones first in arrival order,
 * nobody waiting while a permit is free, and every permit counted as borrowed held by
 * someone.
 */
@Tag("exhaustive")
class CapacityLimiterLincheckTests {

	@Test
	void aPermitPassedToAWaiterIsNeverSeenFree() throws Exception {
		// Thread 1's permit taken and one waiter queued before; thread 1 closes the
		// permit while thread 2 reads the gauge: the permit goes straight to the waiter,
		// so it is never free.
		check(scenario(List.of(actor("tryAcquire", 1), actor("acquire", 0)),
				List.of(List.of(actor("closeFirst", 1)), List.of(gauge("available"), gauge("borrowed")))));
	}

	@Test
	void aRaisedTotalIsNeverSeenBeforeItsGrantsNorTheFastPathClosedAfterThem() throws Exception {
		// The permit held and one waiter: raising the total to 3 grants the waiter and
		// leaves one free, which a tryAcquire that follows a gauge showing it must get.
		check(scenario(List.of(actor("tryAcquire", 0), actor("acquire", 0)),
				List.of(List.of(setTotal(3)), List.of(gauge("available"), actor("tryAcquire", 2)))));
	}

	@Test
	void fastAndSlowPathsAreLinearizable() {
		new ModelCheckingOptions().iterations(4)
			.invocationsPerIteration(50)
			.threads(3)
			.actorsPerThread(3)
			.actorsBefore(1)
			.actorsAfter(2)
			.sequentialSpecification(Spec.class)
			.check(Model.class);
	}

	private static Actor actor(String operation, int thread) throws NoSuchMethodException {
		return new Actor(Model.class.getMethod(operation, int.class), List.of(thread));
	}

	private static Actor gauge(String operation) throws NoSuchMethodException {
		return new Actor(Model.class.getMethod(operation), List.of());
	}

	private static Actor setTotal(int total) throws NoSuchMethodException {
		return new Actor(Model.class.getMethod("setTotal", int.class), List.of(total));
	}

	private static ExecutionScenario scenario(List<Actor> init, List<List<Actor>> parallel) {
		return new ExecutionScenario(init, parallel, List.of(), null);
	}

	private static void check(ExecutionScenario scenario) {
		new ModelCheckingOptions().iterations(0)
			.invocationsPerIteration(60)
			.addCustomScenario(scenario)
			.sequentialSpecification(Spec.class)
			.check(Model.class);
	}

	/**
	 * A fresh limiter of one permit per scenario. The {@code thread} argument is the
	 * calling thread's number (Lincheck's {@link ThreadIdGen}: 0 before the parallel
	 * part, 1 to n in it, n + 1 after it): what a thread acquired is kept under it.
	 */
	public static final class Model {

		private static final int THREADS = 5;

		private final CapacityLimiter limiter = CapacityLimiter.of(1, new ManualTime(), ManualTime.DIRECT);

		/** Per thread: the permits it took at once, in order. */
		private final List<List<Held>> held = new ArrayList<>();

		/** Every acquire that had to wait, with the ticks before and after it. */
		private final List<List<Queued>> queued = new ArrayList<>();

		private final AtomicInteger ticks = new AtomicInteger();

		public Model() {
			for (int i = 0; i < THREADS; i++) {
				this.held.add(new ArrayList<>());
				this.queued.add(new ArrayList<>());
			}
		}

		@Operation
		public boolean tryAcquire(@Param(gen = ThreadIdGen.class) int thread) {
			Optional<CapacityLimiter.Permit> permit = this.limiter.tryAcquire();
			permit.ifPresent((p) -> this.held.get(thread).add(new Held(p)));
			return permit.isPresent();
		}

		/** Whether the acquire was granted at once; otherwise it is kept waiting. */
		@Operation
		public boolean acquire(@Param(gen = ThreadIdGen.class) int thread) {
			int before = this.ticks.incrementAndGet();
			CompletableFuture<CapacityLimiter.Permit> future = this.limiter.acquire();
			int after = this.ticks.incrementAndGet();
			// Granted at once: a completed plain future. A waiter's (a subclass) may be
			// granted by another thread before this line, which no sequential order
			// counts as "at once".
			if (future.getClass() == CompletableFuture.class) {
				this.held.get(thread).add(new Held(future.join()));
				return true;
			}
			this.queued.get(thread).add(new Queued(future, before, after));
			return false;
		}

		/**
		 * Closes the thread's first permit (again, if closed before); whether it had one.
		 */
		@Operation
		public boolean closeFirst(@Param(gen = ThreadIdGen.class) int thread) {
			List<Held> permits = this.held.get(thread);
			if (permits.isEmpty()) {
				return false;
			}
			permits.get(0).close();
			return true;
		}

		/**
		 * Closes the thread's last permit (again, if closed before); whether it had one.
		 */
		@Operation
		public boolean closeLast(@Param(gen = ThreadIdGen.class) int thread) {
			List<Held> permits = this.held.get(thread);
			if (permits.isEmpty()) {
				return false;
			}
			permits.get(permits.size() - 1).close();
			return true;
		}

		@Operation
		public void setTotal(@Param(gen = IntGen.class, conf = "1:3") int total) {
			this.limiter.setTotal(total);
		}

		@Operation
		public int available() {
			return this.limiter.available();
		}

		@Operation
		public int borrowed() {
			return this.limiter.borrowed();
		}

		@Operation
		public int waitingCount() {
			return this.limiter.waitingCount();
		}

		/**
		 * With no operation running: every decided grant is complete, in arrival order,
		 * and nothing is lost.
		 */
		@Validate
		public void grantsAreCompleteInOrder() {
			List<Queued> all = this.queued.stream().flatMap(List::stream).toList();
			long waiting = all.stream().filter((q) -> !q.future().isDone()).count();
			int held = 0;
			for (List<Held> permits : this.held) {
				held += (int) permits.stream().filter((p) -> !p.closed).count();
			}
			held += (int) (all.size() - waiting);
			String state = this.limiter.toString();
			if (waiting != this.limiter.waitingCount()) {
				throw new IllegalStateException(waiting + " futures undone but " + state);
			}
			if (waiting > 0 && this.limiter.available() > 0) {
				throw new IllegalStateException("a permit free while someone waits: " + state);
			}
			if (held != this.limiter.borrowed()) {
				throw new IllegalStateException(held + " permits held but " + state);
			}
			for (Queued earlier : all) {
				for (Queued later : all) {
					if (earlier.after() < later.before() && later.future().isDone() && !earlier.future().isDone()) {
						throw new IllegalStateException("a later waiter granted before an earlier one: " + state);
					}
				}
			}
		}

	}

	/** A permit taken at once and whether its thread closed it. */
	static final class Held {

		private final CapacityLimiter.Permit permit;

		private boolean closed;

		Held(CapacityLimiter.Permit permit) {
			this.permit = permit;
		}

		void close() {
			this.closed = true;
			this.permit.close();
		}

	}

	record Queued(CompletableFuture<CapacityLimiter.Permit> future, int before, int after) {
	}

	/**
	 * The sequential specification: a total, the permits held, the waiters counted, and
	 * per thread whether each permit it took at once is still held.
	 */
	public static final class Spec {

		private int total = 1;

		private int borrowed;

		private int waiting;

		private final List<List<boolean[]>> held = new ArrayList<>();

		public Spec() {
			for (int i = 0; i < Model.THREADS; i++) {
				this.held.add(new ArrayList<>());
			}
		}

		public boolean tryAcquire(int thread) {
			if (this.waiting > 0 || this.borrowed >= this.total) {
				return false;
			}
			this.borrowed++;
			this.held.get(thread).add(new boolean[] { true });
			return true;
		}

		public boolean acquire(int thread) {
			if (tryAcquire(thread)) {
				return true;
			}
			this.waiting++;
			return false;
		}

		public boolean closeFirst(int thread) {
			List<boolean[]> permits = this.held.get(thread);
			return !permits.isEmpty() && close(permits.get(0));
		}

		public boolean closeLast(int thread) {
			List<boolean[]> permits = this.held.get(thread);
			return !permits.isEmpty() && close(permits.get(permits.size() - 1));
		}

		private boolean close(boolean[] permit) {
			if (permit[0]) {
				permit[0] = false;
				this.borrowed--;
				grant();
			}
			return true;
		}

		public void setTotal(int total) {
			this.total = total;
			grant();
		}

		private void grant() {
			while (this.waiting > 0 && this.borrowed < this.total) {
				this.waiting--;
				this.borrowed++;
			}
		}

		public int available() {
			return Math.max(0, this.total - this.borrowed);
		}

		public int borrowed() {
			return this.borrowed;
		}

		public int waitingCount() {
			return this.waiting;
		}

	}

}
