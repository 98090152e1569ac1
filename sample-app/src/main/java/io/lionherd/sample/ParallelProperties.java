package io.lionherd.sample;

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
 */
@Validated
@ConfigurationProperties("sample.parallel")
public record ParallelProperties(@DefaultValue("3") @Positive(message = "must be at least 1") int tasksInFlight) {

	static final int DEFAULT_TASKS_IN_FLIGHT = 3;

}
