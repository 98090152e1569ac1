package io.lionherd.concurrency;

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
	 * A recorder that records nothing.
	 * @return the no-op recorder
	 */
	static MonitorRecorder none() {
		return NoMonitorRecorder.INSTANCE;
	}

}

enum NoMonitorRecorder implements MonitorRecorder {

	INSTANCE;

	@Override
	public void record(String name, ExecutionType type, @Nullable Throwable error, long nanos) {
	}

}
