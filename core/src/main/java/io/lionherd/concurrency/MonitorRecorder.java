package io.lionherd.concurrency;

import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;

import org.jspecify.annotations.Nullable;

/**
 * Where the performance monitor reports each call: the Micrometer-free SPI behind
 * {@code monitor} and {@code monitorAsync}. {@code io.lionherd.concurrency.micrometer}'s
 * {@code MicrometerMonitorRecorder} records {@code lionherd.monitor} timers; set a
 * recorder with {@link AsyncUtils.Builder#monitorRecorder(MonitorRecorder)}.
 * <p>
 * {@code AsyncUtils} guards every call: a recorder that throws is logged and never fails
 * or strands the monitored call.
 */
@FunctionalInterface
public interface MonitorRecorder {

	/**
	 * Records one monitored call.
	 * @param name the monitor name
	 * @param type whether the call was blocking or async
	 * @param error the call's own exception, or {@code null} if it succeeded
	 * @param nanos how long it took
	 */
	void record(String name, ExecutionType type, @Nullable Throwable error, long nanos);

	/**
	 * Records one monitored call that its caller cancelled before it completed (a
	 * reactive subscription cancelled before its terminal signal): outcome
	 * {@code cancelled}. By default {@linkplain #record recorded} as a failure with a
	 * {@link CancellationException}, as a cancelled async call is.
	 * @param name the monitor name
	 * @param type whether the call was blocking or async
	 * @param nanos how long it ran until it was cancelled
	 */
	default void recordCancelled(String name, ExecutionType type, long nanos) {
		record(name, type, new CancellationException("Monitored call '" + name + "' was cancelled"), nanos);
	}

	/**
	 * Starts recording one monitored call, before the call: a recorder that needs to see
	 * the call begin and end (a Micrometer {@code Observation}, so a tracing span)
	 * overrides this; by default the call is {@linkplain #record recorded} when it stops,
	 * or {@linkplain #recordCancelled recorded as cancelled}.
	 * @param name the monitor name
	 * @param type whether the call is blocking or async
	 * @return the handle to stop when the call completes
	 */
	default Monitoring start(String name, ExecutionType type) {
		return new Monitoring() {

			@Override
			public void stop(@Nullable Throwable error, long nanos) {
				record(name, type, error, nanos);
			}

			@Override
			public void cancelled(long nanos) {
				recordCancelled(name, type, nanos);
			}

		};
	}

	/**
	 * A recorder that records nothing.
	 * @return the no-op recorder
	 */
	static MonitorRecorder none() {
		return NoMonitorRecorder.INSTANCE;
	}

	/**
	 * One monitored call in progress, from {@link MonitorRecorder#start}.
	 */
	@FunctionalInterface
	interface Monitoring {

		/**
		 * Makes this call current while {@code task} runs, wherever it runs: the blocking
		 * path wraps the task it hands to the executor, the async path wraps the call
		 * that returns the stage. By default {@code task} itself.
		 * @param task the work of the call
		 * @param <T> the result type
		 * @return the task to run instead
		 */
		default <T> Callable<T> wrap(Callable<T> task) {
			return task;
		}

		/**
		 * Records the end of the call; called once.
		 * @param error the call's own exception, or {@code null} if it succeeded
		 * @param nanos how long it took, on the monitor's clock
		 */
		void stop(@Nullable Throwable error, long nanos);

		/**
		 * Records the end of a call its caller cancelled before it completed (outcome
		 * {@code cancelled}); called once, instead of {@link #stop}. By default a
		 * {@link #stop} with a {@link CancellationException}.
		 * @param nanos how long it ran until it was cancelled, on the monitor's clock
		 */
		default void cancelled(long nanos) {
			stop(new CancellationException("Monitored call was cancelled"), nanos);
		}

	}

}

enum NoMonitorRecorder implements MonitorRecorder {

	INSTANCE;

	@Override
	public void record(String name, ExecutionType type, @Nullable Throwable error, long nanos) {
	}

}
