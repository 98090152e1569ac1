package io.lionherd.concurrency.internal;

import io.lionherd.concurrency.DelayScheduler;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One daemon timer thread for the whole JVM, as {@code CompletableFuture.delayedExecutor} has.
 * The timer thread only hands commands over; it never runs them.
 */
public final class SharedDelayScheduler implements DelayScheduler {

	public static final SharedDelayScheduler INSTANCE = new SharedDelayScheduler();

	public static final String THREAD_NAME = "lionherd-timer";

	private SharedDelayScheduler() {
	}

	@Override
	public Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
		Checks.notNull(executor, "executor");
		Checks.notNull(command, "command");
		Checks.notNull(unit, "unit");
		return Timer.INSTANCE.schedule(() -> handOver(executor, command), delay, unit);
	}

	/** Entries waiting in the shared timer's queue; cancelled ones are removed at once. */
	public static int pendingCount() {
		return Timer.INSTANCE.getQueue().size();
	}

	/**
	 * A saturated or shut-down executor must not lose a wake-up, so the command then runs on
	 * the common pool instead.
	 */
	public static void handOver(Executor executor, Runnable command) {
		try {
			executor.execute(command);
		}
		catch (RejectedExecutionException ex) {
			ForkJoinPool.commonPool().execute(command);
		}
	}

	/** Lazy holder: the thread starts only when something is first scheduled. */
	private static final class Timer {

		static final ScheduledThreadPoolExecutor INSTANCE = create();

		private static ScheduledThreadPoolExecutor create() {
			ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, (runnable) -> {
				Thread thread = new Thread(null, runnable, THREAD_NAME, 0, false);
				thread.setDaemon(true);
				// The timer outlives any one application: it must not pin a web app's class loader.
				thread.setContextClassLoader(null);
				return thread;
			});
			timer.setRemoveOnCancelPolicy(true);
			timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
			return timer;
		}

	}

}
