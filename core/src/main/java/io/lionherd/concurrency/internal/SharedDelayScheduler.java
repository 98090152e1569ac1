package io.lionherd.concurrency.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.DelayScheduler;
import org.jspecify.annotations.Nullable;

/**
 * One daemon timer thread for the whole JVM, as {@code CompletableFuture.delayedExecutor}
 * has. The timer thread only hands commands over; it never runs them, except the Java
 * 17-20 wake-up pool's stall check ({@link #HOUSEKEEPING}), which only looks at that
 * pool.
 */
public final class SharedDelayScheduler implements DelayScheduler {

	public static final SharedDelayScheduler INSTANCE = new SharedDelayScheduler();

	public static final String THREAD_NAME = "lionherd-timer";

	/**
	 * The shared timer for the library's own periodic checks: their entries are left out
	 * of {@link #pendingCount()}, which counts what users scheduled.
	 */
	static final DelayScheduler HOUSEKEEPING = (executor, command, delay, unit) -> Timer.INSTANCE
		.schedule(new Housekeeping(() -> handOver(executor, command)), delay, unit);

	private SharedDelayScheduler() {
	}

	@Override
	public Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
		Checks.notNull(executor, "executor");
		Checks.notNull(command, "command");
		Checks.notNull(unit, "unit");
		return Timer.INSTANCE.schedule(() -> handOver(executor, command), delay, unit);
	}

	/**
	 * Entries waiting in the shared timer's queue, housekeeping left out; cancelled ones
	 * are removed at once.
	 */
	public static int pendingCount() {
		Set<RunnableScheduledFuture<?>> housekeeping = Timer.INSTANCE.housekeeping;
		return (int) Timer.INSTANCE.getQueue().stream().filter((entry) -> !housekeeping.contains(entry)).count();
	}

	/**
	 * A saturated or shut-down executor must not lose a wake-up, so the command then runs
	 * on the common pool instead.
	 */
	public static void handOver(Executor executor, Runnable command) {
		try {
			executor.execute(command);
		}
		catch (RejectedExecutionException ex) {
			ForkJoinPool.commonPool().execute(command);
		}
	}

	/**
	 * A housekeeping command: known to the timer from before it is queued until it runs.
	 */
	private static final class Housekeeping implements Runnable {

		private final Runnable command;

		private volatile @Nullable RunnableScheduledFuture<?> entry;

		Housekeeping(Runnable command) {
			this.command = command;
		}

		@Override
		public void run() {
			Timer.INSTANCE.housekeeping.remove(this.entry);
			this.command.run();
		}

	}

	/** Lazy holder: the thread starts only when something is first scheduled. */
	private static final class Timer extends ScheduledThreadPoolExecutor {

		static final Timer INSTANCE = new Timer();

		/** Queued housekeeping entries, recorded before they are queued. */
		final Set<RunnableScheduledFuture<?>> housekeeping = ConcurrentHashMap.newKeySet();

		private Timer() {
			// The timer outlives any one application: it must not pin the class loader of
			// the
			// one that first schedules something.
			super(1, (runnable) -> WakeUpExecutor.newDaemonThread(runnable, THREAD_NAME));
			setRemoveOnCancelPolicy(true);
			setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
		}

		@Override
		protected <V> RunnableScheduledFuture<V> decorateTask(Runnable runnable, RunnableScheduledFuture<V> task) {
			if (runnable instanceof Housekeeping housekeeping) {
				housekeeping.entry = task;
				this.housekeeping.add(task);
			}
			return task;
		}

	}

}
