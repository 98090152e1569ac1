package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
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
 * Every limit keeps a log (Window): the instants charged to it and what each counted, oldest
 * first. Everything happens under one lock: weighted and multi-limit decisions read and charge
 * several logs at once, and a lock is the simplest way to make that atomic (the one-limit,
 * one-permit hot path stays lock-free in SlidingWindowRateLimiter).
 *
 * Reservations. A request that cannot be granted now and may wait is given, at once, the
 * earliest instant at which every limit has room for it behind the waiters already queued, and
 * is charged to every log at that instant; the instant is kept on its Waiter. So the tail of every
 * log is the queued waiters' reservations in queue order, instants never decrease along a log,
 * and a new request only has to look at the window ending at its own instant (Window.earliest).
 * FIFO follows: a later request's instant is at or after every earlier one's. Exactness follows:
 * every charge, granted or reserved, was checked against the log it joined, and charges only
 * ever leave a log from its tail (re-planning) or once expired.
 *
 * Timeouts. A request whose reserved instant lies after its timeout is refused at once, charging
 * nothing, with that instant as its retry-after. One that is queued is therefore granted in time,
 * so a timed acquire needs no timeout entry of its own.
 *
 * Granting. One wake-up entry (WakeUpPacer) is due at the head waiter's instant; it grants every
 * queued waiter whose instant has come, at its instant, and re-arms for the next head.
 *
 * Giving up. A cancel takes its waiter's charges and those of everyone behind it off the tails of
 * the logs, then re-plans those behind it, in order, from now: each gets the earliest instant
 * again, never later than the one it had (it is planned against the same entries but one) unless
 * that has passed.
 * O(waiters behind it).
 *
 * A late wake-up. When the timer runs late, queued waiters may hold reservations whose instant
 * has passed; they stay charged at that instant (they are granted at it), and like any entry
 * leave a log once a period has passed. Expiry can thus drop a reservation before its waiter is
 * granted or gives up; a Window remembers how far it has expired, so taking back such a
 * reservation finds it already gone instead of taking an older entry's charge.
 */

/**
 * The in-memory limiter for every configuration but one permits-limit: several
 * {@link Limit}s decided at once, weighted requests, exact sliding windows, FIFO waiters
 * and no thread held while they wait.
 */
final class MultiWindowRateLimiter implements RateLimiter, Waiter.Owner, Forgettable {

	/**
	 * Longest period honoured exactly (about 73 years): keeps every time sum free of
	 * overflow.
	 */
	private static final long MAX_PERIOD_NANOS = 1L << 61;

	private static final String LISTENER = "rate limiter listener";

	private final String name;

	/** The client key of a keyed limiter, {@code null} for a named or unnamed one. */
	private final @Nullable String key;

	private final RateLimiterConfig config;

	private final Ticker ticker;

	/**
	 * Ticker value at construction: times are kept relative to it, so wrap-around is
	 * harmless.
	 */
	private final long origin;

	private final Executor executor;

	private final RateLimiterListener listener;

	/** One per limit, in the configuration's order; guarded by {@link #lock}. */
	private final Window[] windows;

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

	MultiWindowRateLimiter(String name, RateLimiterConfig config, Ticker ticker, DelayScheduler scheduler,
			Executor executor, RateLimiterListener listener) {
		this(name, null, config, ticker, scheduler, executor, listener);
	}

	MultiWindowRateLimiter(String name, @Nullable String key, RateLimiterConfig config, Ticker ticker,
			DelayScheduler scheduler, Executor executor, RateLimiterListener listener) {
		this.name = Checks.notNull(name, "name");
		this.key = key;
		this.config = Checks.notNull(config, "config");
		this.ticker = Checks.notNull(ticker, "ticker");
		this.executor = Checks.notNull(executor, "executor");
		this.listener = Checks.notNull(listener, "listener");
		this.pacer = new WakeUpPacer(Checks.notNull(scheduler, "scheduler"), executor, this, this::wakeUp);
		List<Limit> limits = config.limits();
		this.windows = new Window[limits.size()];
		for (int i = 0; i < this.windows.length; i++) {
			Limit limit = limits.get(i);
			this.windows[i] = new Window(limit, Math.min(Checks.saturatedNanos(limit.period()), MAX_PERIOD_NANOS));
		}
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
	 * Every log is empty once expired to now (a waiter's reservation stays in its log
	 * until it leaves the window) and nobody waits.
	 */
	@Override
	public boolean forgettable() {
		acquireLock();
		try {
			if (!this.waiters.isEmpty()) {
				return false;
			}
			long now = now();
			for (Window window : this.windows) {
				window.expire(now);
				if (!window.isEmpty()) {
					return false;
				}
			}
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Exact: every log expired to now, O(limits) under the lock. Nothing is grantable
	 * while anyone waits, so every limit then has 0 remaining.
	 */
	@Override
	public LimitStatus status() {
		acquireLock();
		try {
			long now = now();
			boolean waiting = !this.waiters.isEmpty();
			int tightest = -1;
			long tightestRemaining = 0;
			for (int i = 0; i < this.windows.length; i++) {
				Window window = this.windows[i];
				window.expire(now);
				long remaining = waiting ? 0 : window.room();
				if (tightest < 0
						|| smallerShare(remaining, window.max, tightestRemaining, this.windows[tightest].max)) {
					tightest = i;
					tightestRemaining = remaining;
				}
			}
			Window window = this.windows[tightest];
			return new LimitStatus(this.config.limits().get(tightest), tightestRemaining,
					Duration.ofNanos(window.untilOldestLeaves(now)));
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Whether {@code remaining / max} is strictly below {@code otherRemaining /
	 * otherMax}, compared exactly (128-bit cross products: both maxima may be huge).
	 */
	static boolean smallerShare(long remaining, long max, long otherRemaining, long otherMax) {
		long high = Math.multiplyHigh(remaining, otherMax);
		long otherHigh = Math.multiplyHigh(otherRemaining, max);
		if (high != otherHigh) {
			return high < otherHigh;
		}
		return Long.compareUnsigned(remaining * otherMax, otherRemaining * max) < 0;
	}

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
	 * Zero while anyone waits or a calls-limit has no room; otherwise the room of the
	 * tightest permits-limit, or with calls-limits only the room of the tightest one.
	 * Saturated at {@code Integer.MAX_VALUE}.
	 */
	@Override
	public int availablePermits() {
		acquireLock();
		try {
			if (!this.waiters.isEmpty()) {
				return 0;
			}
			long now = now();
			long permits = Long.MAX_VALUE;
			long calls = Long.MAX_VALUE;
			for (Window window : this.windows) {
				window.expire(now);
				if (window.countsCalls) {
					calls = Math.min(calls, window.room());
				}
				else {
					permits = Math.min(permits, window.room());
				}
			}
			long room = (calls == 0) ? 0 : (permits != Long.MAX_VALUE) ? permits : calls;
			return (int) Math.min(Integer.MAX_VALUE, room);
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public CompletableFuture<Void> acquire() {
		return acquire(1);
	}

	@Override
	public CompletableFuture<Void> acquire(Duration timeout) {
		return acquire(1, timeout);
	}

	@Override
	public CompletableFuture<Void> acquire(long permits) {
		Duration timeout = this.config.timeout();
		return (timeout != null) ? acquire(permits, timeout) : acquire(this.config.checkPermits(permits), -1, null);
	}

	@Override
	public CompletableFuture<Void> acquire(long permits, Duration timeout) {
		this.config.checkPermits(permits);
		Checks.notNegative(timeout, "timeout");
		return acquire(permits, Checks.saturatedNanos(timeout), timeout);
	}

	@Override
	public boolean tryAcquire() {
		return tryAcquire(1);
	}

	@Override
	public boolean tryAcquire(long permits) {
		this.config.checkPermits(permits);
		boolean granted = false;
		acquireLock();
		try {
			if (this.waiters.isEmpty()) {
				long now = now();
				if (earliest(permits, now, now) == now) {
					charge(permits, now);
					granted = true;
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

	/**
	 * @param timeoutNanos how long to wait, or a negative value for no limit
	 */
	private CompletableFuture<Void> acquire(long permits, long timeoutNanos, @Nullable Duration timeout) {
		Waiter waiter = null;
		long retryAfter = -1;
		acquireLock();
		try {
			long now = now();
			Waiter tail = this.waiters.tail();
			long at = earliest(permits, now, (tail != null) ? Math.max(now, tail.at) : now);
			if (tail == null && at == now) {
				charge(permits, now);
			}
			else if (timeoutNanos >= 0 && at - now > timeoutNanos) {
				retryAfter = at - now;
			}
			else {
				waiter = new Waiter(this, now, permits, WorkScope.current());
				reserve(waiter, at);
				this.waiters.enqueue(waiter);
				if (tail == null) {
					wakeUpAt(at, now);
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		if (waiter != null) {
			WorkScope scope = waiter.scope();
			if (scope != null) {
				// Work of a deadline scope: its deadline cancels the wait.
				scope.register(waiter);
			}
			return waiter;
		}
		if (retryAfter < 0) {
			granted(0);
			return CompletableFuture.completedFuture(null);
		}
		rejected();
		Duration after = Duration.ofNanos(retryAfter);
		return CompletableFuture.failedFuture(new PermitTimeoutException("Rate limiter permits (" + permits
				+ ") not granted within " + timeout + ": the earliest grant is in " + after, after));
	}

	/**
	 * Under the lock: expires every log up to {@code now}, then answers the earliest
	 * instant at or after {@code from} (at or after every charge) at which every limit
	 * has room for {@code permits}. O(limits + entries that must leave the window).
	 */
	private long earliest(long permits, long now, long from) {
		long at = from;
		for (Window window : this.windows) {
			window.expire(now);
			at = Math.max(at, window.earliest(window.weightOf(permits), from));
		}
		return at;
	}

	/** Under the lock: charges {@code permits} to every limit at {@code at}. */
	private void charge(long permits, long at) {
		for (Window window : this.windows) {
			window.charge(at, window.weightOf(permits));
		}
	}

	private void reserve(Waiter waiter, long at) {
		waiter.at = at;
		waiter.grantedAt = at;
		charge(waiter.permits, at);
	}

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
	 * An abandoned waiter leaves at once, its charges taken back, and the waiters behind
	 * it are re-planned from now.
	 */
	@Override
	public void leave(Waiter leaving) {
		acquireLock();
		try {
			if (!leaving.queued) {
				return;
			}
			List<Waiter> behind = new ArrayList<>();
			for (Waiter waiter = leaving.next; waiter != null; waiter = waiter.next) {
				behind.add(waiter);
			}
			for (int i = behind.size() - 1; i >= 0; i--) {
				uncharge(behind.get(i));
			}
			uncharge(leaving);
			Waiter before = leaving.prev;
			this.waiters.unlink(leaving);
			long now = now();
			long from = (before != null) ? Math.max(now, before.at) : now;
			for (Waiter waiter : behind) {
				from = earliest(waiter.permits, now, from);
				reserve(waiter, from);
			}
			// The head's instant may have come earlier: the wake-up follows it. One due
			// no later stays, so a wake-up already running still serves the new head.
			Waiter head = this.waiters.head();
			if (head == null) {
				this.pacer.cancel();
			}
			else if (head.at < this.wakeUpAt) {
				this.pacer.cancel();
				wakeUpAt(head.at, now);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Under the lock, with no wake-up pending: makes one due at {@code at}. */
	private void wakeUpAt(long at, long now) {
		this.wakeUpAt = at;
		this.pacer.wakeUpAfter(Math.max(0, at - now));
	}

	private void uncharge(Waiter waiter) {
		for (Window window : this.windows) {
			window.uncharge(waiter.at, window.weightOf(waiter.permits));
		}
	}

	private void wakeUp(WakeUpPacer.Entry fired) {
		List<Waiter> granted = new ArrayList<>();
		try {
			acquireLock();
			try {
				if (!this.pacer.claim(fired)) {
					return;
				}
				long now = now();
				Waiter waiter;
				while ((waiter = this.waiters.head()) != null && waiter.at <= now) {
					this.waiters.unlink(waiter);
					// Queued waiters are undecided: abandons leave the queue in the
					// same hold of the lock.
					if (waiter.markGranted(waiter.at)) {
						granted.add(waiter);
					}
				}
				if (waiter != null) {
					wakeUpAt(waiter.at, now);
				}
			}
			finally {
				this.lock.unlock();
			}
		}
		finally {
			complete(granted);
		}
	}

	/**
	 * Completes waiters granted together, each on its own: every one but the last by a
	 * task of its own on the executor, the last here (see SlidingWindowRateLimiter).
	 */
	private void complete(List<Waiter> granted) {
		int last = granted.size() - 1;
		for (int i = 0; i <= last; i++) {
			Waiter waiter = granted.get(i);
			granted(waiter.grantedAt - waiter.arrival);
			if (i < last) {
				try {
					this.executor.execute(waiter::grant);
				}
				catch (RuntimeException ex) {
					waiter.grant();
				}
			}
			else {
				waiter.grant();
			}
		}
	}

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
		return "MultiWindowRateLimiter[" + (this.name.isEmpty() ? "" : "name=" + this.name + ", ") + "limits="
				+ this.config.limits() + "]";
	}

}
