package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random operation sequences on {@link ManualTime} with a direct executor, so every step
 * is deterministic and can be checked against the specification after it: the window
 * rule, exact {@code tryAcquire} answers, FIFO grants, no grant for a cancelled acquire,
 * an acquire refused at once exactly when its earliest grant (behind the waiters, each
 * granted at its own earliest instant) lies after its timeout, that instant as its
 * retry-after, and no waiter left waiting while a permit is free.
 * <p>
 * A property test without a property-testing library (jqwik's engine targets JUnit
 * Platform 1, this build runs JUnit 6): sequences come from fixed seeds, so a failure
 * reproduces, and a failing sequence is shrunk by dropping operations while it still
 * fails. Set {@code -Dlionherd.ratelimiter.seed=N} to explore other seeds.
 */
class SlidingWindowRateLimiterPropertyTests {

	private static final long START = 7_000_000_000L;

	private static final int SEQUENCES = 500;

	@Test
	void everyStepOfRandomOperationSequencesFollowsTheSlidingWindowSpecification() {
		long base = Long.getLong("lionherd.ratelimiter.seed", 20_241_126L);
		for (int i = 0; i < SEQUENCES; i++) {
			long seed = base + i;
			Random random = new Random(seed);
			int maxCalls = 1 + random.nextInt(4);
			int periodMillis = 1 + random.nextInt(20);
			boolean queueing = random.nextBoolean();
			List<Operation> operations = operations(random);
			AssertionError failure = failure(maxCalls, periodMillis, queueing, operations);
			if (failure != null) {
				List<Operation> shrunk = shrink(maxCalls, periodMillis, queueing, operations);
				AssertionError minimal = failure(maxCalls, periodMillis, queueing, shrunk);
				throw new AssertionError("seed " + seed + ": maxCalls=" + maxCalls + ", period=" + periodMillis + "ms, "
						+ (queueing ? "queueing" : "direct") + " executor, shrunk operations " + shrunk + " (from "
						+ operations.size() + "): " + ((minimal != null) ? minimal.getMessage() : failure.getMessage()),
						failure);
			}
		}
	}

	@Test
	void checkerRejectsALimiterThatIgnoresTheWindow() {
		// The checker itself must be able to fail: a run
		// whose log claims an extra grant breaks it.
		Run run = new Run(1, Duration.ofMillis(10), false);
		run.apply(new TryAcquire());
		run.log.granted(run.limiter, 0);
		assertThat(catchFailure(run)).isNotNull();
	}

	private static AssertionError catchFailure(Run run) {
		try {
			run.check();
			return null;
		}
		catch (AssertionError ex) {
			return ex;
		}
	}

	private static List<Operation> operations(Random random) {
		int length = random.nextInt(81);
		List<Operation> operations = new ArrayList<>(length);
		for (int i = 0; i < length; i++) {
			int kind = random.nextInt(19);
			if (kind < 4) {
				operations.add(new TryAcquire());
			}
			else if (kind < 8) {
				operations.add(new Acquire());
			}
			else if (kind < 10) {
				operations.add(new AcquireWithTimeout(random.nextInt(31)));
			}
			else if (kind < 12) {
				operations.add(new Cancel(random.nextInt(11)));
			}
			else if (kind < 16) {
				operations.add(new Advance(random.nextInt(26)));
			}
			else {
				operations.add(new RunTasks());
			}
		}
		return operations;
	}

	private static AssertionError failure(int maxCalls, int periodMillis, boolean queueing,
			List<Operation> operations) {
		try {
			run(maxCalls, periodMillis, queueing, operations);
			return null;
		}
		catch (AssertionError ex) {
			return ex;
		}
	}

	/** Drops operations one at a time while the sequence still fails. */
	private static List<Operation> shrink(int maxCalls, int periodMillis, boolean queueing,
			List<Operation> operations) {
		List<Operation> current = new ArrayList<>(operations);
		boolean shrunk = true;
		while (shrunk) {
			shrunk = false;
			for (int i = 0; i < current.size(); i++) {
				List<Operation> candidate = new ArrayList<>(current);
				candidate.remove(i);
				if (failure(maxCalls, periodMillis, queueing, candidate) != null) {
					current = candidate;
					shrunk = true;
					break;
				}
			}
		}
		return current;
	}

	private static void run(int maxCalls, int periodMillis, boolean queueing, List<Operation> operations) {
		Run run = new Run(maxCalls, Duration.ofMillis(periodMillis), queueing);
		for (Operation operation : operations) {
			run.apply(operation);
			run.check();
		}
		// Every acquire still waiting ends: granted
		// one period after another, or timed out.
		for (int i = 0; i <= run.calls.size(); i++) {
			run.advance(Duration.ofMillis(periodMillis));
			run.runTasks();
			run.check();
		}
		assertThat(run.calls).allMatch((call) -> call.future.isDone());
		assertThat(run.limiter.waitingCount()).isZero();
		assertThat(run.time.pendingCount()).isZero();
	}

	sealed interface Operation permits TryAcquire, Acquire, AcquireWithTimeout, Cancel, Advance, RunTasks {

	}

	record TryAcquire() implements Operation {

	}

	record Acquire() implements Operation {

	}

	record AcquireWithTimeout(int millis) implements Operation {

	}

	record Cancel(int which) implements Operation {

	}

	record Advance(int millis) implements Operation {

	}

	/** Runs what the timer handed to a queueing executor (wake-ups, timeouts). */
	record RunTasks() implements Operation {

	}

	private static final class Call {

		final CompletableFuture<Void> future;

		final long arrival;

		final long timeoutNanos;

		boolean cancelled;

		long completedAt = Long.MIN_VALUE;

		Call(CompletableFuture<Void> future, long arrival, long timeoutNanos) {
			this.future = future;
			this.arrival = arrival;
			this.timeoutNanos = timeoutNanos;
		}

	}

	private static final class Run {

		final ManualTime time = new ManualTime(START);

		final int maxCalls;

		final long period;

		final SlidingWindowRateLimiter limiter;

		/**
		 * Where the timer's commands go when not run inline: holding them makes a waiter
		 * and a free permit coexist until they run, which is when overtaking would show.
		 */
		final SlidingWindowRateLimiterTests.QueueingExecutor executor;

		final SlidingWindowRateLimiterTests.GrantLog log = new SlidingWindowRateLimiterTests.GrantLog(this.time);

		/** Acquires that did not complete at once, in arrival order. */
		final List<Call> calls = new ArrayList<>();

		int triedGrants;

		int immediateGrants;

		Run(int maxCalls, Duration period, boolean queueing) {
			this.maxCalls = maxCalls;
			this.period = period.toNanos();
			this.executor = queueing ? new SlidingWindowRateLimiterTests.QueueingExecutor() : null;
			this.limiter = new SlidingWindowRateLimiter("", RateLimiterConfig.of(maxCalls, period), this.time,
					this.time, queueing ? this.executor : ManualTime.DIRECT, this.log);
		}

		void apply(Operation operation) {
			if (operation instanceof TryAcquire) {
				boolean expected = freePermit();
				assertThat(this.limiter.tryAcquire()).as("tryAcquire").isEqualTo(expected);
				if (expected) {
					this.triedGrants++;
				}
			}
			else if (operation instanceof Acquire) {
				acquire(-1);
			}
			else if (operation instanceof AcquireWithTimeout timed) {
				acquire(Duration.ofMillis(timed.millis()).toNanos());
			}
			else if (operation instanceof Cancel cancel) {
				List<Call> waiting = this.calls.stream().filter((call) -> !call.future.isDone()).toList();
				if (!waiting.isEmpty()) {
					Call call = waiting.get(cancel.which() % waiting.size());
					assertThat(call.future.cancel(false)).as("cancel of a waiting acquire").isTrue();
					call.cancelled = true;
				}
			}
			else if (operation instanceof Advance advance) {
				advance(Duration.ofMillis(advance.millis()));
			}
			else if (operation instanceof RunTasks) {
				runTasks();
			}
		}

		void advance(Duration duration) {
			this.time.advance(duration);
		}

		void runTasks() {
			if (this.executor != null) {
				this.executor.runAll();
			}
		}

		private boolean queuedTasks() {
			return this.executor != null && this.executor.size() > 0;
		}

		private void acquire(long timeoutNanos) {
			boolean immediate = freePermit();
			long now = this.time.read();
			CompletableFuture<Void> future = (timeoutNanos < 0) ? this.limiter.acquire()
					: this.limiter.acquire(Duration.ofNanos(timeoutNanos));
			if (immediate) {
				assertThat(future).as("acquire with a free permit").isCompleted();
				this.immediateGrants++;
				return;
			}
			long wait = earliestGrant() - now;
			if (timeoutNanos == 0 || (timeoutNanos > 0 && future.isDone())) {
				assertThat(future).as("acquire refused at once").isCompletedExceptionally();
				assertThat(future.isCancelled()).isFalse();
				Duration retryAfter = future.handle((ignored, error) -> ((PermitTimeoutException) error).retryAfter())
					.join()
					.orElseThrow();
				if (this.executor == null) {
					// Wake-ups on time: every waiter ahead is granted at its earliest
					// instant.
					assertThat(retryAfter.toNanos()).as("retry-after").isEqualTo(wait);
					assertThat(timeoutNanos == 0 || wait > timeoutNanos).as("refused although in time").isTrue();
				}
				else {
					// Wake-ups held back make the waiters ahead late: the limiter plans
					// each at
					// the earliest instant it could have had, no later than the model,
					// which
					// starts from the grants as they happened.
					assertThat(retryAfter.toNanos()).as("retry-after").isLessThanOrEqualTo(wait);
					assertThat(timeoutNanos == 0 || retryAfter.toNanos() > timeoutNanos).as("refused although in time")
						.isTrue();
				}
				return;
			}
			if (this.executor == null && timeoutNanos > 0) {
				assertThat(wait).as("queued although its turn comes after the timeout")
					.isLessThanOrEqualTo(timeoutNanos);
			}
			assertThat(future).as("acquire without a free permit").isNotDone();
			Call call = new Call(future, now, timeoutNanos);
			future.whenComplete((ignored, error) -> call.completedAt = this.time.read());
			this.calls.add(call);
		}

		/**
		 * The earliest instant the specification could grant a request arriving now: each
		 * waiting call, in order, granted at its own earliest instant, then this one.
		 */
		private long earliestGrant() {
			List<Long> grants = new ArrayList<>(this.log.times());
			long from = this.time.read();
			for (Call call : this.calls) {
				if (!call.future.isDone()) {
					from = earliestGrant(grants, from);
					grants.add(from);
				}
			}
			return earliestGrant(grants, from);
		}

		/** The first instant from {@code from} on with room for one more grant. */
		private long earliestGrant(List<Long> grants, long from) {
			int size = grants.size();
			return (size < this.maxCalls) ? from : Math.max(from, grants.get(size - this.maxCalls) + this.period);
		}

		/**
		 * Whether the specification grants a permit now: nobody waits and the window has
		 * room.
		 */
		private boolean freePermit() {
			return this.calls.stream().noneMatch((call) -> !call.future.isDone()) && grantsInWindow() < this.maxCalls;
		}

		private long grantsInWindow() {
			long now = this.time.read();
			return this.log.times().stream().filter((time) -> time - (now - this.period) > 0).count();
		}

		void check() {
			List<Long> times = this.log.times();
			// The window rule, on the times the limiter decided.
			for (int i = 0; i + this.maxCalls < times.size(); i++) {
				assertThat(times.get(i + this.maxCalls) - times.get(i)).as("span of %d grants", this.maxCalls + 1)
					.isGreaterThanOrEqualTo(this.period);
			}
			boolean someoneWaits = false;
			int waitedGrants = 0;
			for (Call call : this.calls) {
				if (!call.future.isDone()) {
					someoneWaits = true;
					continue;
				}
				if (call.cancelled) {
					assertThat(call.future).isCancelled();
					continue;
				}
				if (call.future.isCompletedExceptionally()) {
					// Timed out: only a waiter whose wake-up the executor held back, at
					// its deadline or later; a waiter planned in time is granted in time.
					assertThat(this.executor).as("a waiter timed out although its wake-ups ran on time").isNotNull();
					assertThat(call.timeoutNanos).isPositive();
					assertThat(call.future).failsWithin(Duration.ZERO)
						.withThrowableOfType(ExecutionException.class)
						.withCauseInstanceOf(TimeoutException.class);
					assertThat(call.completedAt - call.arrival).isGreaterThanOrEqualTo(call.timeoutNanos);
					continue;
				}
				// FIFO: granted only once every earlier waiter was done.
				assertThat(someoneWaits).as("a later waiter was granted before an earlier one").isFalse();
				if (this.executor == null) {
					assertThat(call.timeoutNanos < 0 || call.completedAt - call.arrival <= call.timeoutNanos).isTrue();
				}
				waitedGrants++;
			}
			// Every grant the limiter made went to a
			// live caller: none to a cancelled future.
			assertThat(times).hasSize(this.triedGrants + this.immediateGrants + waitedGrants);
			// No waiter waits while a permit is free,
			// unless its wake-up is already on its way.
			if (someoneWaits) {
				if (!queuedTasks()) {
					assertThat(grantsInWindow()).as("grants in the window while someone waits")
						.isEqualTo(this.maxCalls);
				}
				assertThat(this.time.pendingCount() > 0 || queuedTasks()).as("a wake-up is pending").isTrue();
			}
			else {
				assertThat(this.limiter.waitingCount()).isZero();
			}
			assertThat(this.limiter.availablePermits()).isEqualTo(someoneWaits ? 0 : this.maxCalls - grantsInWindow());
		}

	}

}
