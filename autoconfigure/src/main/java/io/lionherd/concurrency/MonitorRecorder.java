package io.lionherd.concurrency;

import org.jspecify.annotations.Nullable;

/** Where monitored timings go; Micrometer-free so the core runs without Micrometer. */
@FunctionalInterface
interface MonitorRecorder {

	MonitorRecorder NONE = (name, type, error, nanos) -> {
	};

	void record(String name, ExecutionType type, @Nullable Throwable error, long nanos);

	default MonitorRecorder and(MonitorRecorder other) {
		if (this == NONE) {
			return other;
		}
		MonitorRecorder self = this;
		return (name, type, error, nanos) -> {
			self.record(name, type, error, nanos);
			other.record(name, type, error, nanos);
		};
	}

}
