package io.lionherd.concurrency;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The outcome of a monitored task: its result, how long it took from the call to
 * completion, and how it ran.
 *
 * @param result the task's result
 * @param elapsed the time from the call to completion
 * @param type how the task ran
 * @param <T> the result type
 */
public record MonitorResult<T>(@Nullable T result, Duration elapsed, ExecutionType type) {

	public MonitorResult {
		Objects.requireNonNull(elapsed, "elapsed must not be null");
		Objects.requireNonNull(type, "type must not be null");
	}

}
