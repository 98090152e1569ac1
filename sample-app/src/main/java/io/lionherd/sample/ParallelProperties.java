package io.lionherd.sample;

import java.time.Duration;

import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code GET /api/parallel}, bound from {@code sample.parallel.*}.
 *
 * @param tasksInFlight the most tasks of one request on the shared pool at once; a
 * request's further tasks start as earlier ones end. The default, 3, runs the recipe's
 * three tasks together and leaves an 8-thread pool room for two such requests and two
 * threads more
 * @param deadline how long a request's batch may take before its tasks are cancelled and
 * the request is answered 503; positive. The default, 25 s, is below
 * {@code spring.mvc.async.request-timeout} (30 s), so the tasks never outlive the request
 */
@Validated
@ConfigurationProperties("sample.parallel")
public record ParallelProperties(@DefaultValue("3") @Positive(message = "must be at least 1") int tasksInFlight,
		@DefaultValue("25s") Duration deadline) {

	static final int DEFAULT_TASKS_IN_FLIGHT = 3;

	public ParallelProperties {
		if (deadline.isNegative() || deadline.isZero()) {
			throw new IllegalArgumentException("sample.parallel.deadline must be positive, was " + deadline);
		}
	}

}
