package io.lionherd.concurrency;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.WakeUpExecutor;
import org.jspecify.annotations.Nullable;

/**
 * A concurrency limit: at most {@link #total()} permits are held at once, lionherd-core's
 * (and anyio's) {@code CapacityLimiter}. Waiters are served first come, first served and
 * hold no thread while they wait; the total can be changed at any time.
 * <p>
 * Blocking use (e.g. on a virtual thread): <pre>{@code
 * CapacityLimiter limiter = CapacityLimiter.of(4);
 * try (CapacityLimiter.Permit permit = limiter.acquire().join()) {
 *     callProvider();
 * }
 * }</pre> Asynchronous use, releasing when the call's stage completes, on whatever thread
 * that is: <pre>{@code
 * limiter.acquire(Duration.ofSeconds(2))
 *     .thenCompose((permit) -> client.send(request).whenComplete((result, ex) -> permit.close()));
 * }</pre>
 * <p>
 * Cancelling a waiting future, or its timeout, gives up its place and takes nothing.
 * Thread-safe.
 */
public final class CapacityLimiter {

	/*
	 * Implementation notes. One word, state, holds total, borrowed and a WAITING bit that
	 * is set exactly while the FIFO queue of waiters is not empty. While it is clear, a
	 * permit without a borrower is taken and given back by one compare-and-set of the
	 * word, without the lock (the fast path: as cheap as a Semaphore's). Setting the bit
	 * (by an acquire that found no permit, under the lock) fails every fast path's
	 * compare-and-set from then on, so while it is set only holders of the lock change
	 * the word. The lock guards the queue, the set of borrowers (holding or waiting) and
	 * every change of the WAITING bit or of the total. Invariant: a waiter is queued only
	 * while borrowed >= total, so the head is the only one that can be next, and
	 * tryAcquire (which grants only when the bit is clear) never overtakes anyone. A
	 * grant is decided under the lock (the waiter leaves the queue; the release or new
	 * total, the grants and the bit are one change of the word, so the gauges and the
	 * fast paths never see a step between) and completed outside it; if the caller
	 * cancelled or completed the future in between, the completion fails and the fresh
	 * permit is closed at once, which passes it on to the next waiter: nothing leaks. A
	 * cancel takes the waiter out of the queue under the lock; one that finds it gone
	 * lost to a grant (handled as above) or to its timeout. Completions run on the thread
	 * that freed the permit, outside the lock; a continuation that closes its permit
	 * inline would grant the next waiter inline in turn, so completions are handed to a
	 * per-thread trampoline: nested ones are queued and run by the outermost frame,
	 * keeping the stack flat however long the chain.
	 */

	private static final ThreadLocal<@Nullable ArrayDeque<Runnable>> COMPLETING = new ThreadLocal<>();

	/*
	 * Atomics rather than VarHandles: their compare-and-set is cheap from the first call,
	 * while a VarHandle's stays slow until the JIT's last tier has compiled its caller.
	 */
	private static final AtomicIntegerFieldUpdater<LimiterPermit> CLOSED = AtomicIntegerFieldUpdater
		.newUpdater(LimiterPermit.class, "closed");

	/** Bits 0-31 of {@link #state}: the permits held. */
	private static final long BORROWED = 0xFFFF_FFFFL;

	/** Bit 32 of {@link #state}: set exactly while a waiter is queued. */
	private static final long WAITING = 1L << 32;

	/** {@link #state}'s bits 33-63 hold the total. */
	private static final int TOTAL_SHIFT = 33;

	private final ReentrantLock lock = new ReentrantLock();

	private final DelayScheduler scheduler;

	private final Executor timeoutExecutor;

	/**
	 * {@code total << TOTAL_SHIFT | WAITING? | borrowed}; changed by compare-and-set
	 * only, its WAITING bit and total under {@link #lock}.
	 */
	private final AtomicLong state;

	/** Guarded by {@link #lock}. */
	private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

	/** Guarded by {@link #lock}: borrowers holding or waiting for a permit. */
	private final Set<Object> borrowers = new HashSet<>();

	private CapacityLimiter(int total, DelayScheduler scheduler, Executor timeoutExecutor) {
		this.state = new AtomicLong((long) total << TOTAL_SHIFT);
		this.scheduler = scheduler;
		this.timeoutExecutor = timeoutExecutor;
	}

	/**
	 * A limiter of {@code total} permits whose timeouts run on
	 * {@link DelayScheduler#shared()}. <pre>{@code
	 * CapacityLimiter limiter = CapacityLimiter.of(8);
	 * }</pre>
	 * @param total how many permits may be held at once, at least 1
	 * @return the limiter
	 * @throws IllegalArgumentException if {@code total} is less than 1
	 */
	public static CapacityLimiter of(int total) {
		return of(total, DelayScheduler.shared(), WakeUpExecutor.shared());
	}

	/**
	 * A limiter of {@code total} permits whose timeouts are scheduled on
	 * {@code scheduler} (e.g. a manual clock in tests).
	 * @param total how many permits may be held at once, at least 1
	 * @param scheduler where timeouts are scheduled
	 * @return the limiter
	 * @throws IllegalArgumentException if {@code total} is less than 1
	 */
	public static CapacityLimiter of(int total, DelayScheduler scheduler) {
		return of(total, scheduler, WakeUpExecutor.shared());
	}

	/**
	 * A limiter whose timeouts are scheduled on {@code scheduler} and fail their futures
	 * on {@code timeoutExecutor} (tests pass a manual clock and a direct executor, so
	 * that a timeout fails its future inline while the test advances the clock).
	 * @param total how many permits may be held at once, at least 1
	 * @param scheduler where timeouts are scheduled
	 * @param timeoutExecutor where a timeout fails its future (and so where the
	 * continuations of a timed-out acquire run)
	 * @return the limiter
	 * @throws IllegalArgumentException if {@code total} is less than 1
	 */
	public static CapacityLimiter of(int total, DelayScheduler scheduler, Executor timeoutExecutor) {
		Checks.positive(total, "total");
		return new CapacityLimiter(total, Checks.notNull(scheduler, "scheduler"),
				Checks.notNull(timeoutExecutor, "timeoutExecutor"));
	}

	/**
	 * Acquires a permit, waiting as long as it takes behind earlier waiters. No thread is
	 * held while waiting. <pre>{@code
	 * try (CapacityLimiter.Permit permit = limiter.acquire().join()) {
	 *     work();
	 * }
	 * }</pre>
	 * @return a future of the permit; cancelling it while it waits gives up its place
	 */
	public CompletableFuture<Permit> acquire() {
		return enqueue(null, null);
	}

	/**
	 * Acquires a permit, failing with {@link TimeoutException} if none is granted within
	 * {@code timeout}; {@link Duration#ZERO} grants now or fails now. A timed-out wait
	 * takes nothing. <pre>{@code
	 * limiter.acquire(Duration.ofMillis(500))
	 *     .thenCompose((permit) -> call().whenComplete((result, ex) -> permit.close()));
	 * }</pre>
	 * @param timeout how long to wait, zero or more
	 * @return a future of the permit
	 * @throws NullPointerException if {@code timeout} is null
	 * @throws IllegalArgumentException if {@code timeout} is negative
	 */
	public CompletableFuture<Permit> acquire(Duration timeout) {
		Checks.notNegative(timeout, "timeout");
		if (timeout.isZero()) {
			Optional<Permit> permit = tryAcquire();
			return permit.isPresent() ? CompletableFuture.completedFuture(permit.get())
					: CompletableFuture.failedFuture(timedOut(timeout));
		}
		return enqueue(null, timeout);
	}

	/**
	 * Acquires a permit on behalf of {@code borrower}, who may hold (or wait for) only
	 * one at a time, as anyio's {@code acquire_on_behalf_of}. <pre>{@code
	 * try (CapacityLimiter.Permit permit = limiter.acquire(session).join()) {
	 *     work(session);
	 * }
	 * }</pre>
	 * @param borrower who borrows; compared with {@code equals}
	 * @return a future of the permit
	 * @throws NullPointerException if {@code borrower} is null
	 * @throws IllegalStateException if {@code borrower} already holds or waits for a
	 * permit
	 */
	public CompletableFuture<Permit> acquire(Object borrower) {
		Checks.notNull(borrower, "borrower");
		return enqueue(borrower, null);
	}

	/**
	 * Takes a permit if one is free and nobody waits for one (it never overtakes a
	 * waiter). <pre>{@code
	 * Optional<CapacityLimiter.Permit> permit = limiter.tryAcquire();
	 * if (permit.isPresent()) {
	 *     try (CapacityLimiter.Permit held = permit.get()) {
	 *         work();
	 *     }
	 * }
	 * }</pre>
	 * @return the permit, or empty if none is free now
	 */
	public Optional<Permit> tryAcquire() {
		return takeFree() ? Optional.of(new LimiterPermit(null)) : Optional.empty();
	}

	/**
	 * The fast path: takes a permit if one is free and nobody waits, without the lock.
	 * @return whether it took one
	 */
	private boolean takeFree() {
		for (;;) {
			long s = this.state.get();
			if ((s & WAITING) != 0 || borrowed(s) >= total(s)) {
				return false;
			}
			if (this.state.compareAndSet(s, s + 1)) {
				return true;
			}
		}
	}

	private static int borrowed(long state) {
		return (int) (state & BORROWED);
	}

	private static int total(long state) {
		return (int) (state >>> TOTAL_SHIFT);
	}

	/**
	 * Changes the total. Lowering it revokes no permit: {@link #available()} stays 0 and
	 * nobody is granted until enough are released. Raising it grants waiters at once, in
	 * order, as many as now fit. <pre>{@code
	 * limiter.setTotal(16);
	 * }</pre>
	 * @param total the new total, at least 1
	 * @throws IllegalArgumentException if {@code total} is less than 1
	 */
	public void setTotal(int total) {
		Checks.positive(total, "total");
		@Nullable ArrayDeque<Waiter> granted;
		this.lock.lock();
		try {
			granted = decideGrants(0, total);
		}
		finally {
			this.lock.unlock();
		}
		complete(granted);
	}

	/**
	 * How many permits may be held at once. <pre>{@code
	 * int total = limiter.total();
	 * }</pre>
	 * @return the total
	 */
	public int total() {
		return total(this.state.get());
	}

	/**
	 * How many more permits could be held now: {@code max(0, total - borrowed)}.
	 * <pre>{@code
	 * int free = limiter.available();
	 * }</pre>
	 * @return the permits free now
	 */
	public int available() {
		long s = this.state.get();
		return Math.max(0, total(s) - borrowed(s));
	}

	/**
	 * How many permits are held now (granted and not yet closed). <pre>{@code
	 * int inUse = limiter.borrowed();
	 * }</pre>
	 * @return the permits held
	 */
	public int borrowed() {
		return borrowed(this.state.get());
	}

	/**
	 * How many acquires wait for a permit. <pre>{@code
	 * int queued = limiter.waitingCount();
	 * }</pre>
	 * @return the waiting acquires
	 */
	public int waitingCount() {
		this.lock.lock();
		try {
			return this.waiters.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public String toString() {
		this.lock.lock();
		try {
			long s = this.state.get();
			return "CapacityLimiter[total=" + total(s) + ", borrowed=" + borrowed(s) + ", waiting="
					+ this.waiters.size() + "]";
		}
		finally {
			this.lock.unlock();
		}
	}

	private CompletableFuture<Permit> enqueue(@Nullable Object borrower, @Nullable Duration timeout) {
		if (borrower == null && takeFree()) {
			return CompletableFuture.completedFuture(new LimiterPermit(null));
		}
		Waiter waiter = new Waiter(borrower);
		boolean grantNow = false;
		this.lock.lock();
		try {
			if (borrower != null && !this.borrowers.add(borrower)) {
				throw new IllegalStateException(
						"borrower " + borrower + " already holds or waits for a permit of this limiter");
			}
			for (;;) {
				long s = this.state.get();
				if ((s & WAITING) != 0) {
					// Others wait, and only lock holders change the word now: queue
					// behind.
					this.waiters.add(waiter);
					break;
				}
				if (borrowed(s) < total(s)) {
					if (this.state.compareAndSet(s, s + 1)) {
						grantNow = true;
						break;
					}
				}
				else if (this.state.compareAndSet(s, s | WAITING)) {
					// No permit free in the word that the bit now freezes: queue.
					this.waiters.add(waiter);
					break;
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		if (grantNow) {
			return CompletableFuture.completedFuture(new LimiterPermit(borrower));
		}
		if (timeout != null) {
			waiter.startTimeout(this.scheduler.schedule(this.timeoutExecutor, () -> timeOut(waiter, timeout),
					Checks.saturatedNanos(timeout), TimeUnit.NANOSECONDS));
		}
		return waiter;
	}

	private void timeOut(Waiter waiter, Duration timeout) {
		if (leave(waiter)) {
			waiter.fail(timedOut(timeout));
		}
	}

	private static TimeoutException timedOut(Duration timeout) {
		return new TimeoutException("No capacity limiter permit was free within " + timeout);
	}

	/**
	 * Takes a waiter out of the queue.
	 * @return whether it was still waiting (so nothing was, or will be, granted to it)
	 */
	private boolean leave(Waiter waiter) {
		this.lock.lock();
		try {
			if (!this.waiters.remove(waiter)) {
				return false;
			}
			if (waiter.borrower != null) {
				this.borrowers.remove(waiter.borrower);
			}
			if (this.waiters.isEmpty()) {
				clearWaiting();
			}
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	private void release(@Nullable Object borrower) {
		if (borrower == null) {
			// The fast path: nobody waits, so nobody is to be granted.
			for (;;) {
				long s = this.state.get();
				if ((s & WAITING) != 0) {
					break;
				}
				if (this.state.compareAndSet(s, s - 1)) {
					return;
				}
			}
		}
		@Nullable ArrayDeque<Waiter> granted;
		this.lock.lock();
		try {
			if (borrower != null) {
				this.borrowers.remove(borrower);
			}
			granted = decideGrants(1, 0);
		}
		finally {
			this.lock.unlock();
		}
		complete(granted);
	}

	/**
	 * Under the lock: gives back {@code released} permits, sets the total (unless
	 * {@code total} is 0), counts the waiters that then fit as borrowed and clears the
	 * WAITING bit if none is left, in one change of the word. Lock-free readers thus
	 * never see a permit free that a waiter is owed, nor the bit still set after the last
	 * waiter's grant, which in steps they would (and a tryAcquire refused after a gauge
	 * showed a permit free).
	 * @return the waiters granted, in order, or {@code null} for none
	 */
	private @Nullable ArrayDeque<Waiter> decideGrants(int released, int total) {
		int queued = this.waiters.size();
		for (;;) {
			// With the bit set only lock holders change the word; with it clear (no
			// waiter: a borrower's permit, or a total set) fast paths may race.
			long s = this.state.get();
			int newTotal = (total > 0) ? total : total(s);
			int borrowed = borrowed(s) - released;
			int grants = Math.min(queued, Math.max(0, newTotal - borrowed));
			long next = ((long) newTotal << TOTAL_SHIFT) | ((grants < queued) ? WAITING : 0) | (borrowed + grants);
			if (this.state.compareAndSet(s, next)) {
				if (grants == 0) {
					return null;
				}
				ArrayDeque<Waiter> granted = new ArrayDeque<>(grants);
				for (int i = 0; i < grants; i++) {
					granted.add(this.waiters.poll());
				}
				return granted;
			}
		}
	}

	/** Under the lock, once the queue is empty: reopens the fast paths. */
	private void clearWaiting() {
		for (;;) {
			long s = this.state.get();
			if (this.state.compareAndSet(s, s & ~WAITING)) {
				return;
			}
		}
	}

	/** Outside the lock: completes decided grants, on this thread's trampoline. */
	private void complete(@Nullable ArrayDeque<Waiter> granted) {
		if (granted == null) {
			return;
		}
		ArrayDeque<Runnable> pending = COMPLETING.get();
		if (pending != null) {
			for (Waiter waiter : granted) {
				pending.add(() -> waiter.grant(new LimiterPermit(waiter.borrower)));
			}
			return;
		}
		pending = new ArrayDeque<>();
		COMPLETING.set(pending);
		try {
			for (Waiter waiter : granted) {
				waiter.grant(new LimiterPermit(waiter.borrower));
			}
			Runnable next;
			while ((next = pending.poll()) != null) {
				next.run();
			}
		}
		finally {
			COMPLETING.remove();
		}
	}

	/**
	 * A permit of this limiter. <pre>{@code
	 * try (CapacityLimiter.Permit permit = limiter.acquire().join()) {
	 *     work();
	 * }
	 * }</pre>
	 */
	public interface Permit extends AutoCloseable {

		/**
		 * Releases the permit, waking the next waiter. Only the first call releases;
		 * later ones do nothing. May be called on any thread, e.g. by a completing stage:
		 * <pre>{@code
		 * call().whenComplete((result, ex) -> permit.close());
		 * }</pre>
		 */
		@Override
		void close();

	}

	private final class LimiterPermit implements Permit {

		private final @Nullable Object borrower;

		/**
		 * 0 held, 1 closed; a field, not an AtomicBoolean, to allocate one object less.
		 */
		volatile int closed;

		LimiterPermit(@Nullable Object borrower) {
			this.borrower = borrower;
		}

		@Override
		public void close() {
			if (CLOSED.compareAndSet(this, 0, 1)) {
				release(this.borrower);
			}
		}

		@Override
		public String toString() {
			return "CapacityLimiter.Permit[" + ((this.closed != 0) ? "closed" : "held") + "]";
		}

	}

	/**
	 * The future of a queued acquire. A cancel or completion by its caller takes it out
	 * of the queue; if a grant was decided first, the grant's completion fails and its
	 * permit is passed on.
	 */
	private final class Waiter extends CompletableFuture<Permit> {

		private final @Nullable Object borrower;

		private volatile @Nullable Future<?> timeout;

		Waiter(@Nullable Object borrower) {
			this.borrower = borrower;
		}

		void startTimeout(Future<?> timer) {
			this.timeout = timer;
			if (isDone()) {
				timer.cancel(false);
			}
		}

		void grant(LimiterPermit permit) {
			if (super.complete(permit)) {
				cancelTimeout();
			}
			else {
				// The caller gave up after the grant was decided: pass it on.
				permit.close();
			}
		}

		void fail(Throwable ex) {
			super.completeExceptionally(ex);
		}

		private void gaveUp() {
			cancelTimeout();
			leave(this);
		}

		private void cancelTimeout() {
			Future<?> timer = this.timeout;
			if (timer != null) {
				timer.cancel(false);
			}
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			boolean cancelled = super.cancel(mayInterruptIfRunning);
			if (cancelled) {
				gaveUp();
			}
			return cancelled;
		}

		@Override
		public boolean complete(Permit value) {
			boolean completed = super.complete(value);
			if (completed) {
				gaveUp();
			}
			return completed;
		}

		@Override
		public boolean completeExceptionally(Throwable ex) {
			boolean completed = super.completeExceptionally(ex);
			if (completed) {
				gaveUp();
			}
			return completed;
		}

		@Override
		public <U> CompletableFuture<U> newIncompleteFuture() {
			return new CompletableFuture<>();
		}

	}

}
