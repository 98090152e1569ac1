package io.lionherd.concurrency.ratelimit;

import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.internal.Checks;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sliding-window log limiter behind {@link RateLimiter#slidingWindow}: a ring of the times
 * of the last grants, where a permit is free at {@code now} iff the grant {@code maxCalls} grants
 * back is at or before {@code now - period}.
 * <p>
 * <b>Why two paths.</b> {@code tryAcquire} with nobody waiting is the hot path and is measured
 * against lock-free limiters, so it takes no lock and allocates nothing: one volatile read of a
 * control word, one ticker read, one slot read and one CAS. Waiting (FIFO, cancellation,
 * timeouts, timer wake-ups) needs a queue, and a small lock is the simplest way to make that
 * exactly right, so everything about waiters happens under {@link #lock}.
 * <p>
 * <b>How they agree.</b> The control word {@code ctl} (lap (bits 33-63), slot index of the next grant
 * (bits 2-32) and flags (bits 0-1), padded onto its own cache line) packs the ring position of the next grant
 * (its lap and slot index) with two flags. Every grant, on either path, is a transition of
 * {@code ctl} to the next position; the lock-free path makes it by CAS from a value with no flag
 * set. The first waiter sets {@code WAITERS} in the same CAS that confirms "no permit now", and
 * the flag stays set while anyone waits: from then on no lock-free CAS can succeed (they expect
 * a clear flag), {@code tryAcquire} answers {@code false} without overtaking, and the lock holder
 * owns {@code ctl} alone. {@code RESIZING} similarly shuts the lock-free path out while the ring
 * grows.
 * <p>
 * <b>Why it is exact.</b> A grant's time is read after its {@code ctl} value is read, and its
 * CAS succeeds only if {@code ctl} is unchanged, so grant times are ordered as grants are. Hence
 * "the grant {@code maxCalls} back is expired" means "fewer than {@code maxCalls} grants in
 * {@code (now - period, now]}", the half-open window rule. The slot is written after the CAS, so
 * each slot carries the parity of the lap that wrote it: a reader expecting the previous lap's
 * value waits for an in-flight writer instead of reading a stale time, and writes to one slot
 * happen in lap order because a claimant reads the very slot it will overwrite. A rejection
 * re-reads {@code ctl}, so it too was decided on one consistent state.
 * <p>
 * <b>Memory.</b> The ring starts small and doubles, up to {@code maxCalls} slots, only when it is
 * full of grants that are still inside the window; a grant is overwritten only once it has
 * expired, so a huge {@code maxCalls} that is never reached costs only as much as the grants of
 * one period. Waiters form an intrusive list: O(1) to join and to leave.
 * <p>
 * <b>Waiting.</b> At most one timer entry (the wake-up) exists per limiter, due when the head
 * waiter's permit frees; timed acquires add their own timeout entry, cancelled once they are
 * decided. Each waiter is decided once, by a CAS on its own state: either granted (under the
 * lock, together with the ring update) or abandoned (cancel, timeout, completion by the caller).
 * A cancel that loses to a grant completes the future normally itself if its wake-up has not yet
 * done so, then returns {@code false}: a permit is never spent on a cancelled future, and a
 * {@code false} answer always finds the future done, as {@link Future#cancel} promises.
 * <p>
 * <b>Completing grants.</b> Futures are completed outside the lock, by the wake-up that runs on
 * the executor. When one wake-up grants several waiters, each but the last is completed by a task
 * of its own on the executor and the last on the wake-up's thread: their continuations (often
 * blocking calls) then run side by side, and one may wait for a sibling's grant, instead of each
 * waiting for the previous one's continuation to return.
 * <p>
 * <b>A failing scheduler.</b> State changes under the lock (a waiter queued, waiters granted)
 * come before the timer entry that serves them is scheduled. A {@link DelayScheduler} that
 * throws (one shutting down) would leave waiters nobody wakes, and with {@code WAITERS} set the
 * limiter would refuse forever; so a refused entry goes to the JVM-wide
 * {@link DelayScheduler#shared()} timer instead, as Caffeine guards its scheduler.
 */
public final class SlidingWindowRateLimiter extends PaddedControlWord implements RateLimiter {

	/** Someone waits: the lock-free path must refuse, the lock holder owns {@code ctl}. */
	private static final long WAITERS = 1L;

	/** The lock holder is growing the ring: the lock-free path must take the lock. */
	private static final long RESIZING = 2L;

	private static final long FLAGS = WAITERS | RESIZING;

	private static final int INDEX_SHIFT = 2;

	private static final long INDEX_MASK = (1L << 31) - 1;

	private static final long INDEX_ONE = 1L << INDEX_SHIFT;

	private static final int LAP_SHIFT = 33;

	/**
	 * The largest ring: 2^26 grants (512 MiB) inside one period, hence the largest
	 * {@code maxCalls}.
	 */
	static final int MAX_RING = 1 << 26;

	private static final int INITIAL_RING = 16;

	/**
	 * Longest period honoured exactly (about 73 years): keeps every time sum free of overflow.
	 */
	private static final long MAX_PERIOD_NANOS = 1L << 61;

	/** A slot read that lost to a concurrent change of {@code ctl}. */
	private static final long STALE = Long.MIN_VALUE;

	private static final long NO_PERMIT = Long.MIN_VALUE;

	private static final long QUEUED = Long.MIN_VALUE + 1;

	private static final long CONTENDED = Long.MIN_VALUE + 2;

	private static final Logger logger = LoggerFactory.getLogger(SlidingWindowRateLimiter.class);

	private static final VarHandle CTL;

	private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

	static {
		try {
			CTL = MethodHandles.lookup().findVarHandle(ControlWordValue.class, "ctl", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final @Nullable String name;

	private final int maxCalls;

	private final Duration period;

	private final long periodNanos;

	/** Ring slots never exceed this: {@code maxCalls}. */
	private final int capacity;

	private final LongSupplier ticker;

	/** Ticker value at construction: times are kept relative to it, so wrap-around is harmless. */
	private final long origin;

	private final DelayScheduler scheduler;

	private final Executor executor;

	/**
	 * Grant times relative to {@link #origin}, shifted left by one, with the parity of the lap
	 * that wrote them in bit 0. Slot {@code index(ctl)} holds the oldest grant.
	 */
	private volatile long[] slots;

	private volatile Listener listener = Listener.NONE;

	private final ReentrantLock lock = new ReentrantLock();

	/** Guarded by {@link #lock}. */
	private @Nullable Waiter head;

	/** Guarded by {@link #lock}. */
	private @Nullable Waiter tail;

	/** Written under {@link #lock}. */
	private volatile int waiting;

	/** Guarded by {@link #lock}: the one timer entry for the head waiter. */
	private @Nullable WakeUp wakeUp;

	/** Guarded by {@link #lock}: outputs of {@link #snapshot()}. */
	private long snapshotNow;

	/** Guarded by {@link #lock}: outputs of {@link #snapshot()}. */
	private long snapshotDue;

	/** Whether {@link #scheduler} has refused a command yet: only the first refusal warns. */
	private volatile boolean schedulerRefused;

	SlidingWindowRateLimiter(@Nullable String name, int maxCalls, Duration period, LongSupplier ticker,
			DelayScheduler scheduler, Executor executor) {
		this.name = name;
		this.maxCalls = atMostMaxRing(Checks.positive(maxCalls, "maxCalls"));
		this.period = Checks.positive(period, "period");
		this.ticker = Checks.notNull(ticker, "ticker");
		this.scheduler = Checks.notNull(scheduler, "scheduler");
		this.executor = Checks.notNull(executor, "executor");
		this.periodNanos = Math.min(Checks.saturatedNanos(period), MAX_PERIOD_NANOS);
		this.capacity = maxCalls;
		long[] initial = new long[Math.min(this.capacity, INITIAL_RING)];
		// Lap 0 expects the previous lap's parity (1); -period is expired at every time from now on.
		Arrays.fill(initial, encode(-this.periodNanos, 1));
		this.slots = initial;
		this.origin = ticker.getAsLong();
	}

	/**
	 * The ring holds at most {@link #MAX_RING} grants; a larger {@code maxCalls} could never be
	 * reached, so it is refused rather than silently capped.
	 */
	private static int atMostMaxRing(int maxCalls) {
		if (maxCalls > MAX_RING) {
			throw new IllegalArgumentException(
					"maxCalls must be at most " + MAX_RING + " (2^26), but was " + maxCalls);
		}
		return maxCalls;
	}

	@Nullable String name() {
		return this.name;
	}

	int maxCalls() {
		return this.maxCalls;
	}

	Duration period() {
		return this.period;
	}

	/**
	 * Adds a listener to this limiter's grants and rejections; several compose.
	 * @param added the listener
	 */
	void addListener(Listener added) {
		Checks.notNull(added, "listener");
		this.lock.lock();
		try {
			this.listener = this.listener.and(added);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * How many acquires wait now.
	 * @return the number of waiters
	 */
	int waiting() {
		return this.waiting;
	}

	/**
	 * How many permits could be granted now (zero while anyone waits). A snapshot for gauges:
	 * grants racing with it may or may not be counted, but a grant that completed before it
	 * always is.
	 * <p>
	 * A grant's slot is written after its CAS of {@code ctl}, so the newest slots may still hold
	 * an older lap's time; read as such they would look expired and, times no longer rising with
	 * the position, send the binary search past grants that are live. A slot whose parity is not
	 * the one its lap writes is therefore a grant in flight and counts as live, just as
	 * {@link #grow} waits for it.
	 * @return the number of permits free now
	 */
	int available() {
		for (int spins = 0;; spins++) {
			// Ring before ctl: grow() publishes the ring before ctl, and sets RESIZING before both.
			long[] ring = this.slots;
			long c = this.ctl;
			if ((c & WAITERS) != 0) {
				return 0;
			}
			if ((c & RESIZING) != 0 || this.slots != ring) {
				backOff(spins);
				continue;
			}
			return available(c, ring);
		}
	}

	/** {@link #available()} on a ring and the {@code ctl} value that belongs to it. */
	private int available(long c, long[] ring) {
		int length = ring.length;
		int start = index(c);
		long lap = c >>> LAP_SHIFT;
		long threshold = now() - this.periodNanos;
		// Logical position 0 is the oldest grant; times rise with the position.
		int low = 0;
		int high = length;
		while (low < high) {
			int mid = (low + high) >>> 1;
			int slot = (start + mid) % length;
			long raw = (long) SLOTS.getAcquire(ring, slot);
			// Slots before the index were written in this lap, the others in the one before.
			long parity = (slot < start) ? (lap & 1) : ((lap - 1) & 1);
			if ((raw & 1) != parity || (raw >> 1) > threshold) {
				high = mid;
			}
			else {
				low = mid + 1;
			}
		}
		return Math.max(0, this.maxCalls - (length - low));
	}

	@Override
	public CompletableFuture<Void> acquire() {
		return acquire(-1, null);
	}

	@Override
	public CompletableFuture<Void> acquire(Duration timeout) {
		Checks.notNegative(timeout, "timeout");
		return acquire(Checks.saturatedNanos(timeout), timeout);
	}

	@Override
	public boolean tryAcquire() {
		long granted = claim();
		if (granted > CONTENDED) {
			if (this.listener != Listener.NONE) {
				granted(granted, 0);
			}
			return true;
		}
		if (granted == CONTENDED) {
			return tryAcquireLocked();
		}
		rejected();
		return false;
	}

	/**
	 * The lock-free grant: claims the next ring position by CAS when no flag is set.
	 * @return the grant time, or {@code NO_PERMIT}, {@code QUEUED} (someone waits) or
	 * {@code CONTENDED} (the ring is resizing or must grow: take the lock)
	 */
	private long claim() {
		for (int failures = 0;; failures = contended(failures)) {
			long c = this.ctl;
			if ((c & FLAGS) != 0) {
				return ((c & WAITERS) != 0) ? QUEUED : CONTENDED;
			}
			long[] ring = this.slots;
			int index = index(c);
			long parity = previousParity(c);
			long raw = awaitSlot(ring, index, parity, c);
			if (raw == STALE) {
				continue;
			}
			long now = now();
			if (now - (raw >> 1) < this.periodNanos) {
				if (this.ctl != c) {
					continue;
				}
				return (ring.length < this.capacity) ? CONTENDED : NO_PERMIT;
			}
			if (CTL.compareAndSet(this, c, next(c, ring.length))) {
				SLOTS.setRelease(ring, index, encode(now, parity ^ 1));
				return now;
			}
		}
	}

	/**
	 * Backs off after a lost CAS: a randomised, exponentially growing spin. Retrying at once
	 * makes two threads lose to each other most of the time (a ticker read sits between their
	 * read of {@code ctl} and the CAS); measured with 2 threads, this cut the time per call
	 * from ~350 ns to ~60 ns, without parking (which would stall the loser for ~50 µs).
	 * @return the number of failures so far
	 */
	private static int contended(int failures) {
		int spins = ThreadLocalRandom.current().nextInt(1 << Math.min(failures + 1, 10));
		for (int i = 0; i < spins; i++) {
			Thread.onSpinWait();
		}
		return failures + 1;
	}

	/**
	 * Reads a slot once it holds the previous lap's time; a writer that won its CAS but has not
	 * stored its time yet is waited for.
	 * @return the raw slot, or {@code STALE} if {@code ctl} moved on meanwhile
	 */
	private long awaitSlot(long[] ring, int index, long parity, long c) {
		long raw = (long) SLOTS.getAcquire(ring, index);
		if ((raw & 1) == parity) {
			return raw;
		}
		for (int spins = 0;; spins++) {
			if (this.ctl != c) {
				return STALE;
			}
			backOff(spins);
			raw = (long) SLOTS.getAcquire(ring, index);
			if ((raw & 1) == parity) {
				return raw;
			}
		}
	}

	private static void backOff(int spins) {
		if (spins < 64) {
			Thread.onSpinWait();
		}
		else {
			Thread.yield();
		}
	}

	private boolean tryAcquireLocked() {
		long granted = NO_PERMIT;
		this.lock.lock();
		try {
			while (this.head == null) {
				long c = snapshot();
				if (this.snapshotNow < this.snapshotDue) {
					break;
				}
				if (CTL.compareAndSet(this, c, next(c, this.slots.length))) {
					record(c, this.snapshotNow);
					granted = this.snapshotNow;
					break;
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		if (granted == NO_PERMIT) {
			rejected();
			return false;
		}
		granted(granted, 0);
		return true;
	}

	/**
	 * @param timeoutNanos how long to wait, or a negative value for no limit
	 */
	private CompletableFuture<Void> acquire(long timeoutNanos, @Nullable Duration timeout) {
		long granted = claim();
		if (granted > CONTENDED) {
			granted(granted, 0);
			return CompletableFuture.completedFuture(null);
		}
		Waiter waiter = null;
		this.lock.lock();
		try {
			if (this.head == null) {
				for (;;) {
					long c = snapshot();
					if (this.snapshotNow >= this.snapshotDue) {
						if (CTL.compareAndSet(this, c, next(c, this.slots.length))) {
							record(c, this.snapshotNow);
							granted = this.snapshotNow;
							break;
						}
					}
					else if (timeoutNanos == 0) {
						break;
					}
					else if (CTL.compareAndSet(this, c, c | WAITERS)) {
						waiter = enqueue(this.snapshotNow);
						scheduleWakeUp(this.snapshotDue - this.snapshotNow);
						break;
					}
				}
			}
			else if (timeoutNanos != 0) {
				waiter = enqueue(now());
			}
		}
		finally {
			this.lock.unlock();
		}
		if (waiter != null) {
			if (timeoutNanos > 0) {
				Waiter timed = waiter;
				Duration limit = Checks.notNull(timeout, "timeout");
				timed.startTimeout(schedule(() -> timeOut(timed, limit), timeoutNanos));
			}
			return waiter;
		}
		if (granted > CONTENDED) {
			granted(granted, 0);
			return CompletableFuture.completedFuture(null);
		}
		rejected();
		return CompletableFuture.failedFuture(timeoutException(Checks.notNull(timeout, "timeout")));
	}

	/**
	 * Under the lock: reads the state of the next grant, growing the ring when it is full of
	 * live grants and may still grow. Sets {@link #snapshotNow} and {@link #snapshotDue} (when
	 * the next permit frees; at or before {@code snapshotNow} if one is free).
	 * @return the {@code ctl} value the snapshot belongs to
	 */
	private long snapshot() {
		for (;;) {
			long c = this.ctl;
			long[] ring = this.slots;
			long raw = awaitSlot(ring, index(c), previousParity(c), c);
			if (raw == STALE) {
				continue;
			}
			long now = now();
			long due = (raw >> 1) + this.periodNanos;
			if (due > now && ring.length < this.capacity) {
				if ((c & WAITERS) != 0 || CTL.compareAndSet(this, c, c | RESIZING)) {
					grow(c, ring);
				}
				continue;
			}
			if (due > now && this.ctl != c) {
				continue;
			}
			this.snapshotNow = now;
			this.snapshotDue = due;
			return c;
		}
	}

	/**
	 * Under the lock, with {@code ctl} held exclusively (a flag set): doubles the ring. Slots of
	 * grants overwritten earlier get an always-expired time; that is exact because a slot is only
	 * overwritten once its grant has expired.
	 */
	private void grow(long c, long[] ring) {
		int length = ring.length;
		int index = index(c);
		long lap = c >>> LAP_SHIFT;
		for (int i = 0; i < length; i++) {
			long parity = (i < index) ? (lap & 1) : ((lap - 1) & 1);
			for (int spins = 0; ((long) SLOTS.getAcquire(ring, i) & 1) != parity; spins++) {
				backOff(spins);
			}
		}
		int grown = (int) Math.min(2L * length, this.capacity);
		long[] larger = new long[grown];
		// The new lap is lap + 1, slot 0 is the oldest: every slot carries the parity of lap.
		long parity = lap & 1;
		int fresh = grown - length;
		Arrays.fill(larger, 0, fresh, encode(-this.periodNanos, parity));
		for (int j = 0; j < length; j++) {
			larger[fresh + j] = encode(ring[(index + j) % length] >> 1, parity);
		}
		this.slots = larger;
		this.ctl = ((lap + 1) << LAP_SHIFT) | (c & WAITERS);
	}

	/** Under the lock with {@code ctl} advanced from {@code c}: stores the grant time. */
	private void record(long c, long now) {
		SLOTS.setRelease(this.slots, index(c), encode(now, previousParity(c) ^ 1));
	}

	private Waiter enqueue(long now) {
		Waiter waiter = new Waiter(this, now);
		Waiter last = this.tail;
		waiter.prev = last;
		if (last == null) {
			this.head = waiter;
		}
		else {
			last.next = waiter;
		}
		this.tail = waiter;
		waiter.queued = true;
		this.waiting++;
		return waiter;
	}

	private void unlink(Waiter waiter) {
		Waiter prev = waiter.prev;
		Waiter next = waiter.next;
		if (prev == null) {
			this.head = next;
		}
		else {
			prev.next = next;
		}
		if (next == null) {
			this.tail = prev;
		}
		else {
			next.prev = prev;
		}
		waiter.prev = null;
		waiter.next = null;
		waiter.queued = false;
		this.waiting--;
	}

	/** A waiter gave up (cancel, timeout, completion by the caller): it leaves at once. */
	void leave(Waiter waiter) {
		this.lock.lock();
		try {
			if (waiter.queued) {
				unlink(waiter);
				if (this.head == null) {
					queueEmptied();
				}
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Under the lock: the lock-free path may grant again and no wake-up is needed. */
	private void queueEmptied() {
		long c = this.ctl;
		if ((c & WAITERS) != 0) {
			this.ctl = c & ~WAITERS;
		}
		WakeUp pending = this.wakeUp;
		if (pending != null) {
			this.wakeUp = null;
			pending.cancel();
		}
	}

	private void scheduleWakeUp(long delayNanos) {
		WakeUp pending = new WakeUp();
		this.wakeUp = pending;
		try {
			pending.handle = schedule(pending, delayNanos);
		}
		catch (RuntimeException | Error ex) {
			this.wakeUp = null;
			throw ex;
		}
	}

	/**
	 * Schedules {@code command} on the executor after {@code delayNanos}. A scheduler that
	 * refuses (one shutting down) must not strand waiters whose state already changed, so the
	 * JVM-wide timer takes the command instead; the limiter re-reads its own clock when the
	 * command runs, so a timer counting other time only delays it, it never grants early.
	 */
	private Future<?> schedule(Runnable command, long delayNanos) {
		try {
			return this.scheduler.schedule(this.executor, command, delayNanos, TimeUnit.NANOSECONDS);
		}
		catch (RuntimeException ex) {
			DelayScheduler fallback = DelayScheduler.shared();
			if (this.scheduler == fallback) {
				throw ex;
			}
			if (!this.schedulerRefused) {
				this.schedulerRefused = true;
				logger.warn("Scheduler {} of {} refused a timer entry; the shared timer takes it and later ones",
						this.scheduler, this, ex);
			}
			else {
				logger.debug("Scheduler {} of {} refused a timer entry again", this.scheduler, this, ex);
			}
			return fallback.schedule(this.executor, command, delayNanos, TimeUnit.NANOSECONDS);
		}
	}

	private void wakeUp(WakeUp fired) {
		List<Waiter> granted = new ArrayList<>();
		try {
			this.lock.lock();
			try {
				if (this.wakeUp != fired) {
					return;
				}
				this.wakeUp = null;
				grantWaiters(granted);
			}
			finally {
				this.lock.unlock();
			}
		}
		finally {
			// Even if scheduling the next wake-up failed, what was granted must complete.
			complete(granted);
		}
	}

	/**
	 * Completes waiters granted together, each on its own: every one but the last by a task of
	 * its own on the executor, the last here. Completed one after another on this thread, a
	 * continuation that blocks would hold back its siblings' grants.
	 */
	private void complete(List<Waiter> granted) {
		int last = granted.size() - 1;
		for (int i = 0; i <= last; i++) {
			Waiter waiter = granted.get(i);
			granted(waiter.grantedAt, waiter.grantedAt - waiter.arrival);
			if (i < last) {
				handOver(waiter);
			}
			else {
				waiter.grant();
			}
		}
	}

	/** An executor that refuses (one shutting down) must not strand the grant: it completes here then. */
	private void handOver(Waiter waiter) {
		try {
			this.executor.execute(waiter::grant);
		}
		catch (RuntimeException ex) {
			waiter.grant();
		}
	}

	/**
	 * Under the lock, {@code ctl} ours alone: grants head waiters while permits are free, then
	 * schedules the next wake-up if anyone still waits.
	 * @param granted where the granted waiters go, to be completed outside the lock
	 */
	private void grantWaiters(List<Waiter> granted) {
		Waiter waiter;
		while ((waiter = this.head) != null) {
			if (!waiter.isWaiting()) {
				unlink(waiter);
				continue;
			}
			long c = snapshot();
			if (this.snapshotNow < this.snapshotDue) {
				scheduleWakeUp(this.snapshotDue - this.snapshotNow);
				break;
			}
			if (!waiter.markGranted()) {
				unlink(waiter);
				continue;
			}
			unlink(waiter);
			record(c, this.snapshotNow);
			waiter.grantedAt = this.snapshotNow;
			this.ctl = next(c, this.slots.length) | ((this.head != null) ? WAITERS : 0);
			granted.add(waiter);
		}
		if (this.head == null) {
			queueEmptied();
		}
	}

	private void timeOut(Waiter waiter, Duration timeout) {
		if (waiter.abandon()) {
			leave(waiter);
			rejected();
			waiter.fail(timeoutException(timeout));
		}
	}

	private static TimeoutException timeoutException(Duration timeout) {
		return new TimeoutException("Rate limiter permit not granted within " + timeout);
	}

	/** A failing listener (a broken meter registry) must neither strand waiters nor fail callers. */
	private void granted(long now, long waitNanos) {
		try {
			this.listener.granted(now + this.origin, waitNanos);
		}
		catch (RuntimeException ex) {
			logger.warn("Rate limiter listener failed on a grant of {}", this, ex);
		}
	}

	private void rejected() {
		try {
			this.listener.rejected();
		}
		catch (RuntimeException ex) {
			logger.warn("Rate limiter listener failed on a rejection of {}", this, ex);
		}
	}

	private long now() {
		return this.ticker.getAsLong() - this.origin;
	}

	private static long encode(long time, long parity) {
		return (time << 1) | parity;
	}

	private static int index(long c) {
		return (int) ((c >>> INDEX_SHIFT) & INDEX_MASK);
	}

	/** The parity of the lap before {@code c}'s: what the next slot to overwrite must carry. */
	private static long previousParity(long c) {
		return ((c >>> LAP_SHIFT) & 1) ^ 1;
	}

	/** The position after {@code c}'s, flags cleared. */
	private static long next(long c, int length) {
		int index = index(c);
		return (index + 1 < length) ? (c & ~FLAGS) + INDEX_ONE : ((c >>> LAP_SHIFT) + 1) << LAP_SHIFT;
	}

	@Override
	public String toString() {
		return "SlidingWindowRateLimiter[" + ((this.name != null) ? "name=" + this.name + ", " : "") + "maxCalls="
				+ this.maxCalls + ", period=" + this.period + "]";
	}

	/**
	 * What a limiter reports: Micrometer-free so the core runs without Micrometer.
	 */
	interface Listener {

		Listener NONE = new Listener() {

			@Override
			public void granted(long time, long waitNanos) {
			}

			@Override
			public void rejected() {
			}

		};

		/**
		 * A permit was granted.
		 * @param time the ticker time the limiter recorded for the grant, in nanoseconds
		 * @param waitNanos how long the acquire waited; 0 for an immediate grant
		 */
		void granted(long time, long waitNanos);

		/** {@code tryAcquire} returned {@code false}, or an acquire timed out. */
		void rejected();

		default Listener and(Listener other) {
			if (this == NONE) {
				return other;
			}
			Listener self = this;
			return new Listener() {

				@Override
				public void granted(long time, long waitNanos) {
					self.granted(time, waitNanos);
					other.granted(time, waitNanos);
				}

				@Override
				public void rejected() {
					self.rejected();
					other.rejected();
				}

			};
		}

	}

	/** The one pending timer entry of a limiter; a superseded one finds itself stale and does nothing. */
	private final class WakeUp implements Runnable {

		volatile @Nullable Future<?> handle;

		@Override
		public void run() {
			wakeUp(this);
		}

		void cancel() {
			Future<?> pending = this.handle;
			if (pending != null) {
				pending.cancel(false);
			}
		}

	}

	/**
	 * A queued acquire. Decided exactly once, by a CAS on {@link #state}: granted by the limiter
	 * or abandoned by its caller or its timeout.
	 */
	static final class Waiter extends CompletableFuture<Void> {

		private static final int WAITING = 0;

		private static final int GRANTED = 1;

		private static final int ABANDONED = 2;

		private static final VarHandle STATE;

		static {
			try {
				STATE = MethodHandles.lookup().findVarHandle(Waiter.class, "state", int.class);
			}
			catch (ReflectiveOperationException ex) {
				throw new ExceptionInInitializerError(ex);
			}
		}

		private final SlidingWindowRateLimiter limiter;

		/** Relative ticker time of the acquire. */
		final long arrival;

		/** Relative ticker time of the grant; written under the lock before completion. */
		long grantedAt;

		/** Guarded by the limiter's lock. */
		@Nullable Waiter prev;

		/** Guarded by the limiter's lock. */
		@Nullable Waiter next;

		/** Guarded by the limiter's lock. */
		boolean queued;

		private volatile int state;

		private volatile @Nullable Future<?> timeout;

		Waiter(SlidingWindowRateLimiter limiter, long arrival) {
			this.limiter = limiter;
			this.arrival = arrival;
		}

		boolean isWaiting() {
			return this.state == WAITING;
		}

		boolean markGranted() {
			return STATE.compareAndSet(this, WAITING, GRANTED);
		}

		boolean abandon() {
			return STATE.compareAndSet(this, WAITING, ABANDONED);
		}

		void startTimeout(Future<?> timer) {
			this.timeout = timer;
			if (this.state != WAITING) {
				timer.cancel(false);
			}
		}

		void grant() {
			cancelTimeout();
			super.complete(null);
		}

		void fail(Throwable ex) {
			super.completeExceptionally(ex);
		}

		/**
		 * Leaves the queue unless already granted.
		 * @return whether the caller may complete it
		 */
		private boolean giveUp() {
			if (abandon()) {
				this.limiter.leave(this);
				cancelTimeout();
				return true;
			}
			if (this.state == GRANTED) {
				// The grant won the race: its permit is spent, so the future completes normally,
				// here if its wake-up has not got to it yet. Refusing the cancel while leaving it
				// incomplete would break Future.cancel (false only once done).
				grant();
				return false;
			}
			return true;
		}

		private void cancelTimeout() {
			Future<?> timer = this.timeout;
			if (timer != null) {
				timer.cancel(false);
			}
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			return giveUp() && super.cancel(mayInterruptIfRunning);
		}

		@Override
		public boolean complete(@Nullable Void value) {
			return giveUp() && super.complete(value);
		}

		@Override
		public boolean completeExceptionally(Throwable ex) {
			return giveUp() && super.completeExceptionally(ex);
		}

		@Override
		public <U> CompletableFuture<U> newIncompleteFuture() {
			return new CompletableFuture<>();
		}

	}

}
