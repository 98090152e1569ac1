package io.lionherd.concurrency;

import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command on an executor after a delay: the timer behind {@code sleep},
 * rate-limiter wake-ups and acquire timeouts. Injectable (as Caffeine's
 * {@code Scheduler}) so tests can drive time by hand.
 * <p>
 * Implementations must never run {@code command} on their own timer thread: a slow
 * command would delay every other timer.
 */
@FunctionalInterface
public interface DelayScheduler {

	/**
	 * Schedules {@code command} to be handed to {@code executor} after {@code delay}.
	 * @param executor where the command runs when the delay has passed
	 * @param command what to run
	 * @param delay how long to wait, zero or more
	 * @param unit the unit of {@code delay}
	 * @return a handle whose {@code cancel} removes the pending command at once
	 */
	Future<?> schedule(Executor executor, Runnable command, long delay, TimeUnit unit);

	/**
	 * The JVM-wide scheduler: one daemon timer thread shared by every user, created on
	 * first use, with cancelled entries removed from its queue at once.
	 * @return the shared scheduler
	 */
	static DelayScheduler shared() {
		return SharedDelayScheduler.INSTANCE;
	}

	/**
	 * A scheduler on a timer of your own, e.g. to see its pending entries
	 * ({@code ScheduledThreadPoolExecutor.getQueue()}) or shut it down with your
	 * application. Cancelled entries leave its queue at once only if its remove-on-cancel
	 * policy is set.
	 * @param timer the timer; its threads only hand commands over
	 * @return a scheduler on {@code timer}
	 */
	static DelayScheduler of(ScheduledExecutorService timer) {
		return new ScheduledExecutorDelayScheduler(timer);
	}

}
