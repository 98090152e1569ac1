package io.lionherd.concurrency.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.Ticker;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.Forgettable;
import io.lionherd.concurrency.internal.Guard;
import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;

/*
 * Implementation notes.
 *
 * The limiter is a sliding-window log: a ring of the times of the last grants, where a permit is
 * free at `now` iff the grant `maxCalls` grants back is at or before `now - period`.
 *
 * Why two paths. `tryAcquire` with nobody waiting is the hot path, so it takes no lock and
 * allocates nothing: one volatile read of the control word, one ticker read, one slot read and
 * one CAS. Waiting (FIFO, cancellation, timeouts, timer wake-ups) needs a queue, and a small lock
 * is the simplest way to make that exactly right, so everything about waiters happens under
 * `lock`.
 *
 * How they agree. The control word (ControlWord: lap, slot index of the next grant, two flags,
 * padded onto its own cache lines) is the ring position of the next grant. Every grant, on either
 * path, is a transition of the word to the next position; the lock-free path makes it by CAS from
 * a value with no flag set. The first waiter sets WAITERS in the same CAS that confirms "no permit
 * now", and the flag stays set while anyone waits: from then on no lock-free CAS can succeed
 * (they expect a clear flag), `tryAcquire` answers false without overtaking, and the lock holder
 * owns the word alone. EXCLUSIVE similarly shuts the lock-free path out while the ring grows
 * (and while availablePermits reads, if lock-free grants keep moving the word under it).
 *
 * Why it is exact. A grant's time is read after its control-word value is read, and its CAS
 * succeeds only if the word is unchanged, so grant times are ordered as grants are. Hence "the
 * grant `maxCalls` back is expired" means "fewer than `maxCalls` grants in (now - period, now]",
 * the half-open window rule. The slot is written after the CAS, so each slot carries the parity
 * of the lap that wrote it: a reader expecting the previous lap's value waits for an in-flight
 * writer instead of reading a stale time, and writes to one slot happen in lap order because a
 * claimant reads the very slot it will overwrite. A rejection re-reads the word, so it too was
 * decided on one consistent state.
 *
 * Weights. A request for n > 1 permits is n grants at one instant: n ring positions, written
 * together. It always takes the lock and decides with the word held alone (EXCLUSIVE, or WAITERS
 * when it is a waiter being granted): the n oldest slots are expired iff the n-th oldest is, the
 * ring first grows while it is shorter than n or that slot is live and it may grow, writes in
 * flight to the n slots are waited for, and the word then moves n positions at once. The one-permit
 * lock-free path is untouched: it still makes one CAS from a word with no flag set.
 *
 * The earliest grant. The promise, on every backend: an acquire whose earliest possible
 * grant lies after its timeout fails at once, and every refusal says when it could have been
 * granted (PermitTimeoutException.retryAfter). With nobody waiting, the snapshot that refuses
 * already knows it: the instant the n-th oldest grant leaves the window (n the permits asked
 * for). Lock-free grants after the snapshot only make the earliest later, so the refusal holds
 * at the snapshot's instant; the lock-free path itself is untouched. Behind waiters, FIFO makes
 * the earliest instant depend on theirs: each waiter carries a planned instant (Waiter.at), the
 * earliest it could be granted if every waiter ahead is granted at its own. A request for n is
 * planned behind them at the instant the grant maxCalls - n + 1 back leaves the window, that
 * grant found walking back from the tail through the waiters' planned grants, then the ring
 * (O(waiters walked), at most maxCalls). With waiters queued the word is ours alone (WAITERS),
 * so the ring holds still while it is read.
 *
 * Why a plan is enough. Waiters are granted (on time) exactly at their planned instants: the
 * wake-up runs at the instant the head's permits free, which is the instant planned for it, and
 * nobody can overtake. A wake-up that runs late grants later than planned; then the plans behind
 * are lower bounds, so a request refused at once could never have been granted in time, and a
 * queued waiter keeps a timeout entry for the late case. A cancel re-plans those behind the
 * leaver in one pass (a cursor on the grant each must see leave only moves forward: O(waiters)),
 * and when the head leaves, a new head due earlier (a large head held it back) gets an earlier
 * wake-up. A timeout that fires at its waiter's planned instant, before the wake-up due at the
 * same instant, serves the queue itself: a tie grants, as the plan promised.
 *
 * Memory. The ring starts small and doubles, up to `maxCalls` slots, only when it is full of
 * grants that are still inside the window; a grant is overwritten only once it has expired, so a
 * huge `maxCalls` that is never reached costs only as much as the grants of one period. Waiters
 * form an intrusive list (WaiterQueue): O(1) to join and to leave.
 *
 * Waiting. At most one wake-up entry exists per limiter (WakeUpPacer), due when the head
 * waiter's permit frees; timed acquires add their own timeout entry, cancelled once they are
 * decided. Each waiter is decided once, by a CAS on its own state (Waiter), always under the
 * lock: either granted (together with the ring update) or abandoned (cancel, timeout, completion
 * by the caller; together with leaving the queue). A cancel that loses to a grant completes the
 * future normally, so a permit is never spent on a cancelled future.
 *
 * What others see. A decision, the queue and the WAITERS flag change in one hold of the lock,
 * and the flag is written once per change: so WAITERS is set exactly while a waiter is
 * undecided, a cancel that returns (either way) finds the flag as the decision left it, and
 * tryAcquire refuses only when the window is full or someone waits. The gauges are exact
 * (linearizable) rather than fast: waitingCount reads under the lock; availablePermits reads
 * under it too (no waiter joins or leaves meanwhile) and counts from a control word that did not
 * move between its ticker read and its slot reads, waiting for slot writes in flight, whose
 * times it must know.
 *
 * Completing grants. Futures are completed outside the lock, by the wake-up that runs on the
 * executor. When one wake-up grants several waiters, each but the last is completed by a task of
 * its own on the executor and the last on the wake-up's thread: their continuations (often
 * blocking calls) then run side by side, and one may wait for a sibling's grant, instead of each
 * waiting for the previous one's continuation to return.
 *
 * A failing scheduler or listener. State changes under the lock come before the timer entry that
 * serves them is scheduled; WakeUpPacer sends an entry its scheduler refuses to the shared timer.
 * Listener calls are guarded (Guard), so a broken listener neither fails a caller nor strands a
 * waiter.
 */

/**
 * The in-memory sliding-window limiter behind {@link RateLimiter#slidingWindow} and
 * {@link RateLimiterFactory#inMemory}: exact (never more than {@code maxCalls} grants in
 * any half-open window of {@code period}), FIFO for waiters, and holding no thread while
 * they wait.
 */
final class SlidingWindowRateLimiter extends ControlWord implements RateLimiter, Waiter.Owner, Forgettable {

	/** The largest ring, hence the largest {@code maxCalls}. */
	static final int MAX_RING = RateLimiterConfig.MAX_CALLS;

	private static final int INITIAL_RING = 16;

	/**
	 * A keyed limiter's first ring: there may be many thousands of keys, most of them far
	 * below their limit.
	 */
	private static final int INITIAL_KEYED_RING = 4;

	/**
	 * Longest period honoured exactly (about 73 years): keeps every time sum free of
	 * overflow.
	 */
	private static final long MAX_PERIOD_NANOS = 1L << 61;

	/** A slot read that lost to a concurrent change of the control word. */
	private static final long STALE = Long.MIN_VALUE;

	private static final long NO_PERMIT = Long.MIN_VALUE;

	private static final long QUEUED = Long.MIN_VALUE + 1;

	private static final long CONTENDED = Long.MIN_VALUE + 2;

	/**
	 * How many reads of {@link #availablePermits()} lock-free grants may spoil (by moving
	 * the word under them) before it shuts them out for the length of one read. Few: a
	 * gauge is read rarely, and a busy limiter would spoil read after read.
	 */
	private static final int OPTIMISTIC_READS = 2;

	private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

	private static final String LISTENER = "rate limiter listener";

	private final String name;

	/** The client key of a keyed limiter, {@code null} for a named or unnamed one. */
	private final @Nullable String key;

	private final RateLimiterConfig config;

	private final int maxCalls;

	private final long periodNanos;

	private final Ticker ticker;

	/**
	 * Ticker value at construction: times are kept relative to it, so wrap-around is
	 * harmless.
	 */
	private final long origin;

	private final Executor executor;

	private final RateLimiterListener listener;

	/**
	 * Grant times relative to {@link #origin}, encoded by {@link ControlWord#encode}.
	 * Slot {@code index(ctl)} holds the oldest grant.
	 */
	private volatile long[] slots;

	private final ReentrantLock lock = new ReentrantLock();

	/**
	 * Takes {@link #lock}: every hold of it is a bounded critical section (queue links,
	 * ring reads, timer calls that do not block), so the core's BlockHound integration
	 * allows a non-blocking thread to park here, and nowhere else in this class.
	 */
	private void acquireLock() {
		this.lock.lock();
	}

	/** Guarded by {@link #lock}. */
	private final WaiterQueue waiters = new WaiterQueue();

	private final WakeUpPacer pacer;

	/**
	 * Guarded by {@link #lock}: the instant the pending wake-up is due at, while anyone
	 * waits.
	 */
	private long wakeUpAt;

	/** Guarded by {@link #lock}: outputs of {@link #snapshot()}. */
	private long snapshotNow;

	/** Guarded by {@link #lock}: outputs of {@link #snapshot()}. */
	private long snapshotDue;

	SlidingWindowRateLimiter(String name, RateLimiterConfig config, Ticker ticker, DelayScheduler scheduler,
			Executor executor, RateLimiterListener listener) {
		this(name, null, config, ticker, scheduler, executor, listener);
	}

	SlidingWindowRateLimiter(String name, @Nullable String key, RateLimiterConfig config, Ticker ticker,
			DelayScheduler scheduler, Executor executor, RateLimiterListener listener) {
		this.name = Checks.notNull(name, "name");
		this.key = key;
		this.config = Checks.notNull(config, "config");
		this.ticker = Checks.notNull(ticker, "ticker");
		this.executor = Checks.notNull(executor, "executor");
		this.listener = Checks.notNull(listener, "listener");
		this.pacer = new WakeUpPacer(Checks.notNull(scheduler, "scheduler"), executor, this, this::wakeUp);
		this.maxCalls = config.maxCalls();
		this.periodNanos = Math.min(Checks.saturatedNanos(config.period()), MAX_PERIOD_NANOS);
		long[] initial = new long[Math.min(this.maxCalls, (key != null) ? INITIAL_KEYED_RING : INITIAL_RING)];
		// Lap 0 expects the previous lap's parity (1); -period is expired at every time
		// from now on.
		Arrays.fill(initial, encode(-this.periodNanos, 1));
		this.slots = initial;
		this.origin = ticker.read();
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public RateLimiterConfig config() {
		return this.config;
	}

	@Override
	public Optional<String> key() {
		return Optional.ofNullable(this.key);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * The newest grant has left the window (so every grant has: their times rise with the
	 * ring position), nobody waits and no flag is set.
	 */
	@Override
	public boolean forgettable() {
		acquireLock();
		try {
			long c = this.ctl;
			if (!this.waiters.isEmpty() || (c & FLAGS) != 0) {
				return false;
			}
			long[] ring = this.slots;
			int newest = (index(c) + ring.length - 1) % ring.length;
			long raw = awaitSlot(ring, newest, parityOf(newest, c), c);
			return raw != STALE && now() - time(raw) >= this.periodNanos && this.ctl == c;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Exact, as {@link #availablePermits()}: O(log ring) under the lock.
	 */
	@Override
	public LimitStatus status() {
		acquireLock();
		try {
			for (int attempt = 0; attempt < OPTIMISTIC_READS; attempt++) {
				long c = this.ctl;
				LimitStatus status = status(c, this.slots, now());
				if (status != null && this.ctl == c) {
					return status;
				}
			}
			long c = this.ctl;
			while (!casCtl(c, c | EXCLUSIVE)) {
				c = this.ctl;
			}
			try {
				return Checks.notNull(status(c | EXCLUSIVE, this.slots, now()), "status");
			}
			finally {
				setCtl(c);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Under the lock: {@link #status()} on a ring and the control word that belongs to
	 * it.
	 * @return the status at {@code now}, or {@code null} if the word moved on
	 */
	private @Nullable LimitStatus status(long c, long[] ring, long now) {
		int length = ring.length;
		int live = firstLive(c, ring, now);
		if (live < 0) {
			return null;
		}
		long reset = 0;
		if (live < length) {
			int slot = (index(c) + live) % length;
			long raw = awaitSlot(ring, slot, parityOf(slot, c), c);
			if (raw == STALE) {
				return null;
			}
			reset = Math.max(0, time(raw) + this.periodNanos - now);
		}
		long remaining = this.waiters.isEmpty() ? Math.max(0, this.maxCalls - (length - live)) : 0;
		return new LimitStatus(this.config.limits().get(0), remaining, Duration.ofNanos(reset));
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Linearizable: read under the lock, where every waiter joins, is granted and leaves.
	 */
	@Override
	public int waitingCount() {
		acquireLock();
		try {
			return this.waiters.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Linearizable with respect to grants, waiters and the clock: the answer is what was
	 * free at one instant between the call and the return, counted from the control word
	 * of that instant and the ticker read at it. Under the lock, so waiters neither join
	 * nor leave meanwhile; lock-free grants are shut out only when they keep moving the
	 * word under the read.
	 */
	@Override
	public int availablePermits() {
		acquireLock();
		try {
			if (!this.waiters.isEmpty()) {
				return 0;
			}
			for (int attempt = 0; attempt < OPTIMISTIC_READS; attempt++) {
				// No flag can be set: only lock holders set them. The ring changes only
				// under the lock too.
				long c = this.ctl;
				int free = availablePermits(c, this.slots, now());
				if (free >= 0 && this.ctl == c) {
					// The word did not move from before the ticker read to after the
					// slot reads (its position only moves forward): the answer held at
					// the ticker read.
					return free;
				}
			}
			long c = this.ctl;
			while (!casCtl(c, c | EXCLUSIVE)) {
				c = this.ctl;
			}
			try {
				// The word stays c | EXCLUSIVE throughout; slot writes still in flight
				// are waited for.
				return availablePermits(c | EXCLUSIVE, this.slots, now());
			}
			finally {
				setCtl(c);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * {@link #availablePermits()} on a ring and the control word that belongs to it.
	 * Slots claimed before {@code c} whose writes are still in flight are waited for:
	 * such a grant may have read its time long before, so counting it live unread could
	 * count a grant that has expired.
	 * @return the permits free at {@code now}, or {@code -1} if the word moved on
	 */
	private int availablePermits(long c, long[] ring, long now) {
		int live = firstLive(c, ring, now);
		return (live < 0) ? -1 : Math.max(0, this.maxCalls - (ring.length - live));
	}

	/**
	 * The ring position (0 the oldest grant) of the oldest grant still inside the window
	 * at {@code now}, {@code ring.length} if none is; slot writes in flight are waited
	 * for, as {@link #availablePermits(long, long[], long)} explains.
	 * @return the position, or {@code -1} if the word moved on
	 */
	private int firstLive(long c, long[] ring, long now) {
		int length = ring.length;
		int start = index(c);
		long threshold = now - this.periodNanos;
		// Logical position 0 is the oldest grant; times rise with the position.
		int low = 0;
		int high = length;
		while (low < high) {
			int mid = (low + high) >>> 1;
			int slot = (start + mid) % length;
			long raw = awaitSlot(ring, slot, parityOf(slot, c), c);
			if (raw == STALE) {
				return -1;
			}
			if (time(raw) > threshold) {
				high = mid;
			}
			else {
				low = mid + 1;
			}
		}
		return low;
	}

	@Override
	public CompletableFuture<Void> acquire() {
		Duration timeout = this.config.timeout();
		return (timeout != null) ? acquire(timeout) : acquireNanos(-1, null);
	}

	@Override
	public CompletableFuture<Void> acquire(Duration timeout) {
		Checks.notNegative(timeout, "timeout");
		return acquireNanos(Checks.saturatedNanos(timeout), timeout);
	}

	@Override
	public boolean tryAcquire() {
		long granted = claim();
		if (granted > CONTENDED) {
			granted(0);
			return true;
		}
		if (granted == CONTENDED) {
			return tryAcquireLocked();
		}
		rejected();
		return false;
	}

	@Override
	public CompletableFuture<Void> acquire(long permits) {
		if (permits == 1) {
			return acquire();
		}
		Duration timeout = this.config.timeout();
		return (timeout != null) ? acquire(permits, timeout) : acquireWeighted(weight(permits), -1, null);
	}

	@Override
	public CompletableFuture<Void> acquire(long permits, Duration timeout) {
		if (permits == 1) {
			return acquire(timeout);
		}
		int weight = weight(permits);
		Checks.notNegative(timeout, "timeout");
		return acquireWeighted(weight, Checks.saturatedNanos(timeout), timeout);
	}

	@Override
	public boolean tryAcquire(long permits) {
		if (permits == 1) {
			return tryAcquire();
		}
		int weight = weight(permits);
		boolean granted = false;
		acquireLock();
		try {
			if (this.waiters.isEmpty()) {
				long c = holdFor(weight);
				if (this.snapshotNow >= this.snapshotDue) {
					grant(c, weight, this.snapshotNow, 0);
					granted = true;
				}
				else {
					setCtl(c & ~FLAGS);
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		if (granted) {
			granted(0);
		}
		else {
			rejected();
		}
		return granted;
	}

	@Override
	public CompletableFuture<Boolean> tryAcquireAsync(long permits) {
		return CompletableFuture.completedFuture(tryAcquire(permits));
	}

	/** Checks {@code permits} against the one limit: then it fits the ring. */
	private int weight(long permits) {
		return (int) this.config.checkPermits(permits);
	}

	/**
	 * A request for more than 1 permit takes as many ring positions, all at one instant,
	 * and always goes through the lock: with the queue empty it shuts the lock-free path
	 * out (EXCLUSIVE) for the length of its decision.
	 */
	private CompletableFuture<Void> acquireWeighted(int weight, long timeoutNanos, @Nullable Duration timeout) {
		Waiter waiter = null;
		boolean granted = false;
		long retryAfter = 0;
		acquireLock();
		try {
			if (this.waiters.isEmpty()) {
				long c = holdFor(weight);
				long now = this.snapshotNow;
				long due = this.snapshotDue;
				if (now >= due) {
					grant(c, weight, now, 0);
					granted = true;
				}
				else if (tooLate(due - now, timeoutNanos)) {
					setCtl(c & ~FLAGS);
					retryAfter = due - now;
				}
				else {
					setCtl((c & ~FLAGS) | WAITERS);
					waiter = enqueue(now, weight, due);
					wakeUpAt(due, now);
				}
			}
			else {
				long now = now();
				long at = plannedAt(weight, now);
				if (tooLate(at - now, timeoutNanos)) {
					retryAfter = Math.max(0, at - now);
				}
				else {
					waiter = enqueue(now, weight, at);
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		if (waiter != null) {
			return waiting(waiter, timeoutNanos, timeout);
		}
		if (granted) {
			granted(0);
			return CompletableFuture.completedFuture(null);
		}
		rejected();
		return CompletableFuture.failedFuture(timeoutException(weight, Checks.notNull(timeout, "timeout"), retryAfter));
	}

	/**
	 * Whether a request whose earliest grant is {@code waitNanos} away must be refused
	 * now: a zero timeout takes only a permit free now, and nobody waits for a grant that
	 * cannot come in time.
	 * @param timeoutNanos how long it may wait, or a negative value for no limit
	 */
	private static boolean tooLate(long waitNanos, long timeoutNanos) {
		return timeoutNanos == 0 || (timeoutNanos > 0 && waitNanos > timeoutNanos);
	}

	/**
	 * Under the lock, with waiters queued (the word is ours): the earliest instant a
	 * request for {@code weight} could be granted behind them, each granted at its own
	 * earliest instant. The grant {@code maxCalls - weight + 1} back must have left the
	 * window: it is found walking back from the tail, through the waiters' planned grants
	 * and then the ring. O(waiters walked), at most {@code maxCalls}.
	 */
	private long plannedAt(int weight, long now) {
		Waiter tail = Checks.notNull(this.waiters.tail(), "tail");
		long from = Math.max(now, tail.at);
		long back = (long) this.maxCalls - weight + 1;
		for (Waiter waiter = tail; waiter != null; waiter = waiter.prev) {
			if (back <= waiter.permits) {
				return Math.max(from, waiter.at + this.periodNanos);
			}
			back -= waiter.permits;
		}
		long[] ring = this.slots;
		return (back <= ring.length) ? Math.max(from, newestTime(this.ctl, ring, (int) back) + this.periodNanos) : from;
	}

	/**
	 * Under the lock, with waiters queued: plans {@code first} and every waiter behind it
	 * again, in order (one ahead of them has left). One pass with a cursor on the grant
	 * each must see leave the window, which only moves forward: O(waiters).
	 */
	private void replan(Waiter first, long now) {
		long ahead = 0;
		for (Waiter waiter = first.prev; waiter != null; waiter = waiter.prev) {
			ahead += waiter.permits;
		}
		Waiter before = first.prev;
		long from = (before != null) ? Math.max(now, before.at) : now;
		long c = this.ctl;
		long[] ring = this.slots;
		Waiter cursor = Checks.notNull(this.waiters.head(), "head");
		long cursorStart = 0;
		for (Waiter waiter = first; waiter != null; waiter = waiter.next) {
			// Where the grant that must leave is: 0 is the first planned grant of
			// the queue, -1 the newest grant of the ring.
			long position = ahead + waiter.permits - this.maxCalls - 1;
			long at = from;
			if (position >= 0) {
				while (cursorStart + cursor.permits <= position) {
					cursorStart += cursor.permits;
					cursor = Checks.notNull(cursor.next, "next");
				}
				at = Math.max(from, cursor.at + this.periodNanos);
			}
			else if (-position <= ring.length) {
				at = Math.max(from, newestTime(c, ring, (int) -position) + this.periodNanos);
			}
			waiter.at = at;
			from = at;
			ahead += waiter.permits;
		}
	}

	/**
	 * Under the lock, the word held: the time of the {@code back}-th newest grant of the
	 * ring, {@code 1 <= back <= ring.length}.
	 */
	private long newestTime(long c, long[] ring, int back) {
		int length = ring.length;
		int slot = (int) ((index(c) + (long) length - back) % length);
		return time(awaitSlot(ring, slot, parityOf(slot, c), c));
	}

	/** Under the lock, with no wake-up pending: makes one due at {@code at}. */
	private void wakeUpAt(long at, long now) {
		this.wakeUpAt = at;
		this.pacer.wakeUpAfter(Math.max(0, at - now));
	}

	/**
	 * Under the lock: holds the control word alone (EXCLUSIVE, unless WAITERS already
	 * keeps the lock-free path out), makes the ring hold at least {@code weight} slots
	 * (growing it while the {@code weight} oldest are not all expired and it may still
	 * grow), waits for writes in flight to the slots a grant of {@code weight} would
	 * overwrite, and sets {@link #snapshotNow} and {@link #snapshotDue} (when the
	 * {@code weight}-th oldest grant leaves the window). The caller releases the hold.
	 * @return the control word held, with its flag
	 */
	private long holdFor(int weight) {
		for (;;) {
			long c = this.ctl;
			if ((c & FLAGS) == 0) {
				if (!casCtl(c, c | EXCLUSIVE)) {
					continue;
				}
				c |= EXCLUSIVE;
			}
			long[] ring = this.slots;
			int length = ring.length;
			if (weight > length) {
				grow(c, ring);
				continue;
			}
			int start = index(c);
			long raw = 0;
			for (int i = 0; i < weight; i++) {
				int slot = (start + i) % length;
				raw = awaitSlot(ring, slot, parityOf(slot, c), c);
			}
			long now = now();
			long due = time(raw) + this.periodNanos;
			if (due > now && length < this.maxCalls) {
				grow(c, ring);
				continue;
			}
			this.snapshotNow = now;
			this.snapshotDue = due;
			return c;
		}
	}

	/**
	 * Under the lock, the word held from {@code c}: records {@code weight} grants at
	 * {@code now} and moves the word past them, with {@code flags}.
	 */
	private void grant(long c, int weight, long now, long flags) {
		long[] ring = this.slots;
		long w = c;
		for (int i = 0; i < weight; i++) {
			SLOTS.setRelease(ring, index(w), encode(now, previousParity(w) ^ 1));
			w = next(w, ring.length);
		}
		setCtl(w | flags);
	}

	/**
	 * The lock-free grant: claims the next ring position by CAS when no flag is set.
	 * @return the grant time, or {@code NO_PERMIT}, {@code QUEUED} (someone waits) or
	 * {@code CONTENDED} (the ring is resizing or must grow: take the lock)
	 */
	private long claim() {
		for (int failures = 0;; failures = Spins.contended(failures)) {
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
			if (now - time(raw) < this.periodNanos) {
				if (this.ctl != c) {
					continue;
				}
				return (ring.length < this.maxCalls) ? CONTENDED : NO_PERMIT;
			}
			if (casCtl(c, next(c, ring.length))) {
				SLOTS.setRelease(ring, index, encode(now, parity ^ 1));
				return now;
			}
		}
	}

	/**
	 * Reads a slot once it holds the previous lap's time; a writer that won its CAS but
	 * has not stored its time yet is waited for.
	 * @return the raw slot, or {@code STALE} if the control word moved on meanwhile
	 */
	private long awaitSlot(long[] ring, int index, long parity, long c) {
		long raw = (long) SLOTS.getAcquire(ring, index);
		if (parity(raw) == parity) {
			return raw;
		}
		for (int spins = 0;; spins++) {
			if (this.ctl != c) {
				return STALE;
			}
			Spins.backOff(spins);
			raw = (long) SLOTS.getAcquire(ring, index);
			if (parity(raw) == parity) {
				return raw;
			}
		}
	}

	private boolean tryAcquireLocked() {
		boolean granted = false;
		acquireLock();
		try {
			while (this.waiters.isEmpty()) {
				long c = snapshot();
				if (this.snapshotNow < this.snapshotDue) {
					break;
				}
				if (casCtl(c, next(c, this.slots.length))) {
					record(c, this.snapshotNow);
					granted = true;
					break;
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		if (!granted) {
			rejected();
			return false;
		}
		granted(0);
		return true;
	}

	/**
	 * @param timeoutNanos how long to wait, or a negative value for no limit
	 */
	private CompletableFuture<Void> acquireNanos(long timeoutNanos, @Nullable Duration timeout) {
		long granted = claim();
		if (granted > CONTENDED) {
			granted(0);
			return CompletableFuture.completedFuture(null);
		}
		Waiter waiter = null;
		long retryAfter = 0;
		acquireLock();
		try {
			if (this.waiters.isEmpty()) {
				for (;;) {
					long c = snapshot();
					long now = this.snapshotNow;
					long due = this.snapshotDue;
					if (now >= due) {
						if (casCtl(c, next(c, this.slots.length))) {
							record(c, now);
							granted = now;
							break;
						}
					}
					else if (tooLate(due - now, timeoutNanos)) {
						// Lock-free grants since the snapshot only delay it.
						retryAfter = due - now;
						break;
					}
					else if (casCtl(c, c | WAITERS)) {
						waiter = enqueue(now, 1, due);
						wakeUpAt(due, now);
						break;
					}
				}
			}
			else {
				long now = now();
				long at = plannedAt(1, now);
				if (tooLate(at - now, timeoutNanos)) {
					retryAfter = Math.max(0, at - now);
				}
				else {
					waiter = enqueue(now, 1, at);
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		if (waiter != null) {
			return waiting(waiter, timeoutNanos, timeout);
		}
		if (granted > CONTENDED) {
			granted(0);
			return CompletableFuture.completedFuture(null);
		}
		rejected();
		return CompletableFuture.failedFuture(timeoutException(1, Checks.notNull(timeout, "timeout"), retryAfter));
	}

	/** Outside the lock: a queued waiter's deadline scope and timeout. */
	private Waiter waiting(Waiter waiter, long timeoutNanos, @Nullable Duration timeout) {
		WorkScope scope = waiter.scope();
		if (scope != null) {
			// Work of a deadline scope: the deadline
			// cancels the wait (it leaves the queue).
			scope.register(waiter);
		}
		if (timeoutNanos > 0) {
			Duration limit = Checks.notNull(timeout, "timeout");
			waiter.startTimeout(this.pacer.schedule(() -> timeOut(waiter, limit), timeoutNanos));
		}
		return waiter;
	}

	/**
	 * Under the lock: reads the state of the next grant, growing the ring when it is full
	 * of live grants and may still grow. Sets {@link #snapshotNow} and
	 * {@link #snapshotDue} (when the next permit frees; at or before {@code snapshotNow}
	 * if one is free).
	 * @return the control word the snapshot belongs to
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
			long due = time(raw) + this.periodNanos;
			if (due > now && ring.length < this.maxCalls) {
				if ((c & WAITERS) != 0 || casCtl(c, c | EXCLUSIVE)) {
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
	 * Under the lock, with the control word held exclusively (a flag set): doubles the
	 * ring. Slots of grants overwritten earlier get an always-expired time; that is exact
	 * because a slot is only overwritten once its grant has expired.
	 */
	private void grow(long c, long[] ring) {
		int length = ring.length;
		int index = index(c);
		for (int i = 0; i < length; i++) {
			long parity = parityOf(i, c);
			for (int spins = 0; parity((long) SLOTS.getAcquire(ring, i)) != parity; spins++) {
				Spins.backOff(spins);
			}
		}
		int grown = (int) Math.min(2L * length, this.maxCalls);
		long[] larger = new long[grown];
		// The new lap is lap + 1, slot 0 is the oldest:
		// every slot carries the parity of lap.
		long lap = lap(c);
		long parity = lap & 1;
		int fresh = grown - length;
		Arrays.fill(larger, 0, fresh, encode(-this.periodNanos, parity));
		for (int j = 0; j < length; j++) {
			larger[fresh + j] = encode(time(ring[(index + j) % length]), parity);
		}
		this.slots = larger;
		setCtl(start(lap + 1, c & WAITERS));
	}

	/**
	 * Under the lock with the control word advanced from {@code c}: stores the grant
	 * time.
	 */
	private void record(long c, long now) {
		SLOTS.setRelease(this.slots, index(c), encode(now, previousParity(c) ^ 1));
	}

	/**
	 * Under the lock: queues a request for {@code weight}, its grant planned at
	 * {@code at}.
	 */
	private Waiter enqueue(long now, int weight, long at) {
		Waiter waiter = new Waiter(this, now, weight, WorkScope.current());
		waiter.at = at;
		this.waiters.enqueue(waiter);
		return waiter;
	}

	/**
	 * Decides an abandon (cancel, timeout, completion by the caller) under the lock,
	 * where grants are decided, and takes the waiter out in the same hold: the waiter
	 * stops counting, and the lock-free path may grant again if it was the last, at the
	 * instant it is abandoned.
	 * @return whether this call abandoned it
	 */
	@Override
	public boolean abandon(Waiter waiter) {
		acquireLock();
		try {
			if (!waiter.abandon()) {
				return false;
			}
			leave(waiter);
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * An abandoned waiter leaves at once.
	 */
	@Override
	public void leave(Waiter waiter) {
		acquireLock();
		try {
			if (waiter.queued) {
				Waiter behind = waiter.next;
				boolean wasHead = waiter.prev == null;
				this.waiters.unlink(waiter);
				if (this.waiters.isEmpty()) {
					queueEmptied();
				}
				else if (behind != null) {
					long now = now();
					replan(behind, now);
					// A large head that left may have held back one due earlier than the
					// pending wake-up; the new head was just planned from the ring as it
					// is. One due no later stays, so a wake-up already running (or
					// overdue) still serves the new head.
					if (wasHead && behind.at < this.wakeUpAt) {
						this.pacer.cancel();
						wakeUpAt(behind.at, now);
					}
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
			setCtl(c & ~WAITERS);
		}
		this.pacer.cancel();
	}

	private void wakeUp(WakeUpPacer.Entry fired) {
		List<Waiter> granted = new ArrayList<>();
		try {
			acquireLock();
			try {
				if (!this.pacer.claim(fired)) {
					return;
				}
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
	 * Under the lock, the control word ours alone: grants head waiters while permits are
	 * free, then schedules the next wake-up if anyone still waits.
	 * @param granted where the granted waiters go, to be completed outside the lock
	 */
	private void grantWaiters(List<Waiter> granted) {
		Waiter waiter;
		while ((waiter = this.waiters.head()) != null) {
			if (!waiter.isWaiting()) {
				this.waiters.unlink(waiter);
				continue;
			}
			// WAITERS is set: the word is ours alone.
			int weight = (int) waiter.permits;
			long c = (weight == 1) ? snapshot() : holdFor(weight);
			if (this.snapshotNow < this.snapshotDue) {
				wakeUpAt(this.snapshotDue, this.snapshotNow);
				break;
			}
			this.waiters.unlink(waiter);
			if (!waiter.markGranted(this.snapshotNow)) {
				continue;
			}
			grant(c, weight, this.snapshotNow, this.waiters.isEmpty() ? 0 : WAITERS);
			granted.add(waiter);
		}
		if (this.waiters.isEmpty()) {
			queueEmptied();
		}
	}

	/**
	 * Completes waiters granted together, each on its own: every one but the last by a
	 * task of its own on the executor, the last here. Completed one after another on this
	 * thread, a continuation that blocks would hold back its siblings' grants.
	 */
	private void complete(List<Waiter> granted) {
		int last = granted.size() - 1;
		for (int i = 0; i <= last; i++) {
			Waiter waiter = granted.get(i);
			granted(waiter.grantedAt - waiter.arrival);
			if (i < last) {
				handOver(waiter);
			}
			else {
				waiter.grant();
			}
		}
	}

	/**
	 * An executor that refuses (one shutting down) must not strand the grant: it
	 * completes here then.
	 */
	private void handOver(Waiter waiter) {
		try {
			this.executor.execute(waiter::grant);
		}
		catch (RuntimeException ex) {
			waiter.grant();
		}
	}

	/**
	 * A queued waiter's timeout: it was planned in time, so only a wake-up that runs late
	 * (or waiters ahead granted late by one) lets it expire; planned again from the
	 * grants as they happened, its instant is when it could be granted.
	 */
	private void timeOut(Waiter waiter, Duration timeout) {
		List<Waiter> granted = new ArrayList<>();
		try {
			acquireLock();
			try {
				long now = now();
				if (waiter.queued && waiter.at <= now) {
					// Its turn has come, but the wake-up due now (or overdue) has
					// not run yet: serve the queue here, so that a tie of timeout
					// and turn grants, as the plan promised.
					this.pacer.cancel();
					grantWaiters(granted);
				}
				if (waiter.queued && waiter.isWaiting()) {
					// Grants ahead came late: plan it again from the grants as they
					// happened, for its retry-after.
					replan(waiter, now);
				}
			}
			finally {
				this.lock.unlock();
			}
		}
		finally {
			complete(granted);
		}
		if (abandon(waiter)) {
			rejected();
			waiter.fail(timeoutException(waiter.permits, timeout, Math.max(0, waiter.at - now())));
		}
	}

	private static PermitTimeoutException timeoutException(long permits, Duration timeout, long retryAfterNanos) {
		Duration after = Duration.ofNanos(retryAfterNanos);
		return new PermitTimeoutException("Rate limiter permit" + ((permits == 1) ? "" : "s (" + permits + ")")
				+ " not granted within " + timeout + ": the earliest grant is in " + after, after);
	}

	/** Reports a grant; skipped without allocating when nobody listens. */
	private void granted(long waitNanos) {
		if (this.listener != RateLimiterListener.none()) {
			Guard.run(() -> this.listener.granted(this, waitNanos), LISTENER, this);
		}
	}

	private void rejected() {
		if (this.listener != RateLimiterListener.none()) {
			Guard.run(() -> this.listener.rejected(this), LISTENER, this);
		}
	}

	private long now() {
		return this.ticker.read() - this.origin;
	}

	@Override
	public String toString() {
		return "SlidingWindowRateLimiter[" + (this.name.isEmpty() ? "" : "name=" + this.name + ", ") + "maxCalls="
				+ this.maxCalls + ", period=" + this.config.period() + "]";
	}

}
