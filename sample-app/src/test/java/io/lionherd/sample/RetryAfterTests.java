package io.lionherd.sample;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code Retry-After} of a 429 is the limiter's retry-after in whole seconds, rounded
 * up: a client that waits that long is not refused for having retried too soon.
 */
class RetryAfterTests {

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource({ "PT0S, 0", "PT0.000000001S, 1", "PT0.2S, 1", "PT1S, 1", "PT1.001S, 2", "PT9.5S, 10", "PT1H, 3600" })
	void retryAfterIsRoundedUpToWholeSeconds(Duration retryAfter, long seconds) {
		assertThat(ApiExceptionHandler.wholeSecondsUp(retryAfter)).isEqualTo(seconds);
	}

}
