package io.lionherd.concurrency;

import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.WakeUpExecutor;

/**
 * One daemon timer thread for the whole JVM, as {@code CompletableFuture.delayedExecutor}
 * has. The timer thread only hands commands over; it never runs them, except the Java
 * 17-20 wake-up pool's stall check, which only looks at that pool.
 */
final class SharedDelayScheduler implements DelayScheduler {

	static final SharedDelayScheduler INSTANCE = new SharedDelayScheduler();

	static final String THREAD_NAME = "lionherd-timer";

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
	 * A saturated or shut-down executor must not lose a wake-up, so the command then runs
	 * on the common pool instead.
	 */
	static void handOver(Executor executor, Runnable command) {
		try {
			executor.execute(command);
		}
		catch (RejectedExecutionException ex) {
			ForkJoinPool.commonPool().execute(command);
		}
	}

	/** Lazy holder: the thread starts only when something is first scheduled. */
	private static final class Timer extends ScheduledThreadPoolExecutor {

		static final Timer INSTANCE = new Timer();

		private Timer() {
			// The timer outlives any one application: it must not pin the class loader of
			// the one that first schedules something.
			super(1, (runnable) -> WakeUpExecutor.newDaemonThread(runnable, THREAD_NAME));
			setRemoveOnCancelPolicy(true);
			setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
		}

	}

}
