package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.internal.Forgettable;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The races of an operation against the sweep of its key, held at their critical points
 * by latches: a key's state is never dropped while an operation is inside it, and an
 * operation that arrives while the sweep decides waits for that decision, so a key never
 * has two states at once.
 */
class KeyTableForgettingRaceTests {

	private static final Duration PERIOD = Duration.ofSeconds(1);

	private static final long WAIT_SECONDS = 10;

	private final ManualTime time = new ManualTime();

	private final GatedFactory factory = new GatedFactory(
			RateLimiterFactory.inMemory(this.time, this.time, ManualTime.DIRECT), this.time);

	private final RateLimiterRegistry registry = new RateLimiterRegistry(this.factory);

	private final RateLimiter alice;

	KeyTableForgettingRaceTests() {
		this.registry.rateLimiter("per-user", RateLimiterConfig.of(2, PERIOD), this.factory);
		this.alice = this.registry.get("per-user", "alice");
	}

	@AfterEach
	void releaseGates() {
		this.factory.gate.release.countDown();
	}

	@Test
	void aSweepWhileAnOperationIsInsideTheStateKeepsTheState() throws Exception {
		// The state is fresh (forgettable) when the sweep runs, but a tryAcquire is
		// inside
		// it, about to grant: dropping it now would let the grant land on a state nobody
		// sees and the next request take a second permit from a fresh one.
		Gate gate = this.factory.arm(Gate.Point.TRY_ACQUIRE, 1);
		CompletableFuture<Boolean> inside = CompletableFuture.supplyAsync(this.alice::tryAcquire);
		assertThat(gate.entered.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
		this.time.advance(PERIOD);
		assertThat(this.registry.keyCount("per-user")).isEqualTo(1);
		gate.release.countDown();
		assertThat(inside.get(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
		assertThat(this.alice.tryAcquire()).isTrue();
		assertThat(this.alice.tryAcquire()).isFalse();
		assertThat(this.factory.created).hasValue(1);
	}

	@Test
	void anOperationArrivingWhileTheSweepForgetsTheStateUsesAFreshOne() throws Exception {
		assertThat(this.alice.tryAcquire()).isTrue();
		assertThat(this.alice.tryAcquire()).isTrue();
		// The sweep's second look, made while the state is retired, is held.
		Gate gate = this.factory.arm(Gate.Point.FORGETTABLE, 2);
		CompletableFuture<Void> sweep = CompletableFuture.runAsync(() -> this.time.advance(PERIOD));
		assertThat(gate.entered.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
		// The state is retired while the sweep asks it: the operation must not enter it.
		CompletableFuture<Boolean> arriving = CompletableFuture.supplyAsync(this.alice::tryAcquire);
		assertThat(arriving).isNotDone();
		gate.release.countDown();
		sweep.get(WAIT_SECONDS, TimeUnit.SECONDS);
		assertThat(arriving.get(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
		assertThat(this.factory.created).hasValue(2);
		assertThat(this.registry.keyCount("per-user")).isEqualTo(1);
		assertThat(this.alice.tryAcquire()).isTrue();
		assertThat(this.alice.tryAcquire()).isFalse();
	}

	@Test
	void anOperationBetweenTheSweepsFirstLookAndItsRetirementKeepsTheState() throws Exception {
		assertThat(this.alice.tryAcquire()).isTrue();
		assertThat(this.alice.tryAcquire()).isTrue();
		// The sweep at 1 s looks without the pin and finds the state fresh (both grants
		// left the window); it is held there, before it retires the state.
		Gate gate = this.factory.arm(Gate.Point.FORGETTABLE, 1);
		CompletableFuture<Void> sweep = CompletableFuture.runAsync(() -> this.time.advance(PERIOD));
		assertThat(gate.entered.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
		// Not retired yet: the operation goes in and grants.
		assertThat(this.alice.tryAcquire()).isTrue();
		gate.release.countDown();
		sweep.get(WAIT_SECONDS, TimeUnit.SECONDS);
		// Retired, asked again, found holding that grant: kept, with one permit free (a
		// fresh state would have two).
		assertThat(this.factory.created).hasValue(1);
		assertThat(this.registry.keyCount("per-user")).isEqualTo(1);
		assertThat(this.alice.tryAcquire()).isTrue();
		assertThat(this.alice.tryAcquire()).isFalse();
	}

	/**
	 * Where a gated limiter stops once (at the nth pass of its point), until released.
	 */
	static final class Gate {

		enum Point {

			TRY_ACQUIRE, FORGETTABLE

		}

		final Point point;

		final int nth;

		final AtomicInteger passes = new AtomicInteger();

		final CountDownLatch entered = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		Gate(@Nullable Point point, int nth) {
			this.point = point;
			this.nth = nth;
		}

		void pass(Point at) {
			if (at == this.point && this.passes.incrementAndGet() == this.nth) {
				this.entered.countDown();
				try {
					this.release.await(WAIT_SECONDS, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		}

	}

	/** In-memory keyed limiters that stop at the armed gate. */
	static final class GatedFactory implements RateLimiterFactory {

		private final RateLimiterFactory delegate;

		private final ManualTime time;

		final AtomicInteger created = new AtomicInteger();

		volatile Gate gate = new Gate(null, 0);

		GatedFactory(RateLimiterFactory delegate, ManualTime time) {
			this.delegate = delegate;
			this.time = time;
		}

		Gate arm(Gate.Point point, int nth) {
			this.gate = new Gate(point, nth);
			return this.gate;
		}

		@Override
		public RateLimiter create(String name, RateLimiterConfig config, RateLimiterListener listener) {
			return this.delegate.create(name, config, listener);
		}

		@Override
		public RateLimiter create(String name, String key, RateLimiterConfig config, RateLimiterListener listener) {
			RateLimiter limiter = this.delegate.create(name, key, config, listener);
			if (listener == RateLimiterListener.none()) {
				return limiter;
			}
			this.created.incrementAndGet();
			return new Gated(limiter, this);
		}

		@Override
		public io.lionherd.concurrency.DelayScheduler scheduler() {
			return this.time;
		}

	}

	private record Gated(RateLimiter delegate, GatedFactory factory) implements RateLimiter, Forgettable {

		@Override
		public boolean forgettable() {
			// Held after the look, with its answer, as the sweep then acts on it.
			boolean forgettable = ((Forgettable) this.delegate).forgettable();
			this.factory.gate.pass(Gate.Point.FORGETTABLE);
			return forgettable;
		}

		@Override
		public boolean tryAcquire() {
			this.factory.gate.pass(Gate.Point.TRY_ACQUIRE);
			return this.delegate.tryAcquire();
		}

		@Override
		public String name() {
			return this.delegate.name();
		}

		@Override
		public RateLimiterConfig config() {
			return this.delegate.config();
		}

		@Override
		public CompletableFuture<Void> acquire() {
			return this.delegate.acquire();
		}

		@Override
		public CompletableFuture<Void> acquire(Duration timeout) {
			return this.delegate.acquire(timeout);
		}

		@Override
		public int availablePermits() {
			return this.delegate.availablePermits();
		}

		@Override
		public int waitingCount() {
			return this.delegate.waitingCount();
		}

	}

}
