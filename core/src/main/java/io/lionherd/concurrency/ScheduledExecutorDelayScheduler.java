package io.lionherd.concurrency;

import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.internal.Checks;

/**
 * A {@link DelayScheduler} over a {@link ScheduledExecutorService} the caller owns: its
 * threads only hand commands over, so a slow command delays no other timer.
 *
 * @param timer the timer
 */
record ScheduledExecutorDelayScheduler(ScheduledExecutorService timer) implements DelayScheduler {

	/**
	 * @param timer the timer
	 */
	ScheduledExecutorDelayScheduler {
		Checks.notNull(timer, "timer");
	}

	@Override
	public Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit) {
		Checks.notNull(executor, "executor");
		Checks.notNull(command, "command");
		Checks.notNull(unit, "unit");
		return this.timer.schedule(() -> SharedDelayScheduler.handOver(executor, command), delay, unit);
	}

}
