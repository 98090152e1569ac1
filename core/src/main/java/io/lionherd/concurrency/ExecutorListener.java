package io.lionherd.concurrency;

import java.util.concurrent.RejectedExecutionException;

/**
 * Hears how the executor treats {@code runSync} tasks: the Micrometer-free SPI behind the
 * {@code lionherd.executor.queue.wait} and {@code lionherd.executor.rejected} meters
 * ({@code io.lionherd.concurrency.micrometer.MicrometerExecutorListener}), which an
 * executor's own metrics do not give: they neither time a task's wait in the queue nor
 * count the tasks the executor refused. Set one with
 * {@link AsyncUtils.Builder#executorListener(ExecutorListener)}; without one
 * {@code runSync} reads no clock for it.
 * <p>
 * Called on the submitting thread (rejection) or the worker (start), so it must be fast
 * and must not block. {@code AsyncUtils} guards every call: a listener that throws is
 * logged and never fails or delays the task.
 */
public interface ExecutorListener {

	/**
	 * A {@code runSync} task is starting on a worker. A task cancelled before it started
	 * never starts, so is not reported.
	 * @param queueNanos how long it waited, from the {@code runSync} call to its start,
	 * on the instance's {@link Ticker}
	 */
	default void taskStarted(long queueNanos) {
	}

	/**
	 * The executor refused a {@code runSync} task (its queue is full, or it is shut
	 * down); the task's future fails with {@code exception}.
	 * @param exception what the executor threw
	 */
	default void taskRejected(RejectedExecutionException exception) {
	}

}
