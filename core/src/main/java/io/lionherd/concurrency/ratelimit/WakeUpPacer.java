package io.lionherd.concurrency.ratelimit;

import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.lionherd.concurrency.DelayScheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timer of one {@link SlidingWindowRateLimiter}: keeps at most one wake-up entry
 * pending (due when the head waiter's permit frees, however many wait) and schedules
 * every entry, wake-ups and acquire timeouts, through a guarded scheduler.
 * <p>
 * The limiter changes its state under its lock (a waiter queued, waiters granted) before
 * the entry that serves that state is scheduled. A {@link DelayScheduler} that throws
 * (one shutting down) would leave waiters nobody wakes, and the limiter refusing forever;
 * so a refused entry goes to the JVM-wide {@link DelayScheduler#shared()} timer instead,
 * as Caffeine guards its scheduler. The limiter re-reads its own clock when an entry
 * runs, so a timer that counts other time only delays it, it never grants early.
 * <p>
 * {@link #wakeUpAfter}, {@link #cancel} and {@link #claim} are called under the limiter's
 * lock.
 */
final class WakeUpPacer {

	private static final Logger logger = LoggerFactory.getLogger(WakeUpPacer.class);

	private final DelayScheduler scheduler;

	private final Executor executor;

	private final Object owner;

	private final Consumer<Entry> wakeUp;

	/** Guarded by the limiter's lock: the one pending wake-up. */
	private @Nullable Entry pending;

	/**
	 * Whether {@link #scheduler} has refused an entry yet: only the first refusal warns.
	 */
	private volatile boolean schedulerRefused;

	/**
	 * @param scheduler the timer
	 * @param executor where entries run when due
	 * @param owner the limiter, for the log
	 * @param wakeUp what a due wake-up runs; it must {@link #claim} its entry first
	 */
	WakeUpPacer(DelayScheduler scheduler, Executor executor, Object owner, Consumer<Entry> wakeUp) {
		this.scheduler = scheduler;
		this.executor = executor;
		this.owner = owner;
		this.wakeUp = wakeUp;
	}

	/**
	 * Makes the wake-up due after {@code delayNanos}, replacing none: the caller knows
	 * none is pending (the first waiter arrived, or the last wake-up claimed its entry).
	 */
	void wakeUpAfter(long delayNanos) {
		Entry entry = new Entry();
		this.pending = entry;
		try {
			entry.handle = schedule(entry, delayNanos);
		}
		catch (RuntimeException | Error ex) {
			this.pending = null;
			throw ex;
		}
	}

	/** Cancels the pending wake-up, if any: nobody waits any more. */
	void cancel() {
		Entry entry = this.pending;
		if (entry != null) {
			this.pending = null;
			entry.cancel();
		}
	}

	/**
	 * Takes a due wake-up's entry off the pacer.
	 * @return whether it is still the pending one; a superseded entry must do nothing
	 */
	boolean claim(Entry fired) {
		if (this.pending != fired) {
			return false;
		}
		this.pending = null;
		return true;
	}

	/**
	 * Runs {@code command} on the executor after {@code delayNanos}, through the
	 * scheduler or, if that refuses, the shared one.
	 * @return the handle that cancels the entry
	 */
	Future<?> schedule(Runnable command, long delayNanos) {
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
						this.scheduler, this.owner, ex);
			}
			else {
				logger.debug("Scheduler {} of {} refused a timer entry again", this.scheduler, this.owner, ex);
			}
			return fallback.schedule(this.executor, command, delayNanos, TimeUnit.NANOSECONDS);
		}
	}

	/**
	 * A wake-up entry; a superseded one finds itself stale when it runs and does nothing.
	 */
	final class Entry implements Runnable {

		private volatile @Nullable Future<?> handle;

		@Override
		public void run() {
			WakeUpPacer.this.wakeUp.accept(this);
		}

		void cancel() {
			Future<?> scheduled = this.handle;
			if (scheduled != null) {
				scheduled.cancel(false);
			}
		}

	}

}
