package io.lionherd.concurrency;

import java.time.Duration;
import java.util.Comparator;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * A clock and timer that move only when a test says so: pass it as the ticker
 * ({@link Ticker}) and as the {@link DelayScheduler} of the code under test.
 * <p>
 * {@link #advance(Duration)} moves time forward and, in due order, hands every command
 * that has come due to its executor (commands scheduled by those commands run too if they
 * are due by the target time). While a command is handed over, the clock reads exactly
 * its due time. With a direct executor ({@link #DIRECT}, {@code Runnable::run}) commands
 * run inline on the thread that calls {@code advance}. Cancelling a returned
 * {@link Future} removes its entry at once; {@link #pendingCount()} tells how many
 * entries are waiting.
 * <p>
 * Thread-safe: a separate thread may drive time while others use the clock and schedule.
 * No lock is held while commands run. The returned futures never block: {@code get} of an
 * entry that has not run throws {@link IllegalStateException}, instead of waiting for
 * time that only the test can move.
 *
 * <pre>{@code
 * ManualTime time = new ManualTime();
 * AsyncUtils async = time.configure(AsyncUtils.builder()).executor(ManualTime.DIRECT).build();
 * CompletableFuture<Void> slept = async.sleep(Duration.ofSeconds(1));
 * time.advance(Duration.ofMillis(999)); // not done
 * time.advance(Duration.ofMillis(1));   // done
 * }</pre>
 */
public final class ManualTime implements Ticker, DelayScheduler {

	/** Runs commands inline on the thread that advances time. */
	public static final Executor DIRECT = Runnable::run;

	private final long start;

	/** Guarded by {@code this}: nanoseconds since {@link #start}. */
	private long elapsed;

	private long sequence;

	private final TreeSet<Entry> entries = new TreeSet<>(
			Comparator.comparingLong((Entry entry) -> entry.due).thenComparingLong((entry) -> entry.sequence));

	/** A clock that starts at 0 ns. */
	public ManualTime() {
		this(0);
	}

	/**
	 * A clock that starts at {@code startNanos}; any value, even one about to wrap around
	 * as {@link System#nanoTime()} may.
	 * @param startNanos the first reading
	 */
	public ManualTime(long startNanos) {
		this.start = startNanos;
	}

	/**
	 * Makes this the clock and the timer of {@code builder}, with wake-ups run inline: an
	 * {@code AsyncUtils} whose time only the test moves.
	 * @param builder the builder
	 * @return the builder
	 */
	public AsyncUtils.Builder configure(AsyncUtils.Builder builder) {
		return builder.ticker(this).scheduler(this).wakeUpExecutor(DIRECT);
	}

	/** The current reading in nanoseconds. */
	@Override
	public synchronized long read() {
		return this.start + this.elapsed;
	}

	/**
	 * How much time has been advanced since construction.
	 * @return the elapsed time
	 */
	public synchronized Duration elapsed() {
		return Duration.ofNanos(this.elapsed);
	}

	@Override
	public synchronized Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
		long nanos = Math.max(0, unit.toNanos(delay));
		long due = (nanos > Long.MAX_VALUE - this.elapsed) ? Long.MAX_VALUE : this.elapsed + nanos;
		Entry entry = new Entry(executor, command, due, this.sequence++);
		this.entries.add(entry);
		return entry;
	}

	/**
	 * How many scheduled commands have neither run nor been cancelled.
	 * @return the number of pending entries
	 */
	public synchronized int pendingCount() {
		return this.entries.size();
	}

	/**
	 * Moves time forward by {@code duration}, handing due commands over in due order.
	 * @param duration how far, zero or more
	 */
	public void advance(Duration duration) {
		advanceNanos(duration.toNanos());
	}

	/**
	 * Moves time forward by {@code nanos}, handing due commands over in due order.
	 * @param nanos how far, zero or more
	 */
	public void advanceNanos(long nanos) {
		if (nanos < 0) {
			throw new IllegalArgumentException("Time only moves forward, but was asked to move by " + nanos + " ns");
		}
		long target;
		synchronized (this) {
			target = this.elapsed + nanos;
		}
		for (;;) {
			Entry due;
			synchronized (this) {
				due = this.entries.isEmpty() ? null : this.entries.first();
				if (due == null || due.due > target) {
					this.elapsed = Math.max(this.elapsed, target);
					return;
				}
				this.entries.remove(due);
				this.elapsed = Math.max(this.elapsed, due.due);
				due.ran = true;
			}
			due.executor.execute(due.command);
		}
	}

	/** Hands over the commands due now without moving time. */
	public void runDue() {
		advanceNanos(0);
	}

	private final class Entry implements Future<Object> {

		final Executor executor;

		final Runnable command;

		final long due;

		final long sequence;

		/** Guarded by the enclosing ManualTime. */
		boolean ran;

		/** Guarded by the enclosing ManualTime. */
		boolean cancelled;

		Entry(Executor executor, Runnable command, long due, long sequence) {
			this.executor = executor;
			this.command = command;
			this.due = due;
			this.sequence = sequence;
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			synchronized (ManualTime.this) {
				if (ManualTime.this.entries.remove(this)) {
					this.cancelled = true;
					return true;
				}
				return false;
			}
		}

		@Override
		public boolean isCancelled() {
			synchronized (ManualTime.this) {
				return this.cancelled;
			}
		}

		@Override
		public boolean isDone() {
			synchronized (ManualTime.this) {
				return this.ran || this.cancelled;
			}
		}

		@Override
		public @Nullable Object get() {
			if (isCancelled()) {
				throw new CancellationException();
			}
			if (!isDone()) {
				throw new IllegalStateException("Not run yet: advance the ManualTime to run it");
			}
			return null;
		}

		@Override
		public @Nullable Object get(long timeout, TimeUnit unit) {
			return get();
		}

		@Override
		public String toString() {
			return "ManualTime.Entry[due=" + this.due + "ns, command=" + this.command + "]";
		}

	}

}
