package io.lionherd.concurrency.autoconfigure;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

import io.lionherd.concurrency.RetryPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the named retry policies of {@link LionherdConcurrencyProperties}
 * ({@code lionherd.concurrency.retries.<name>.*}).
 */
class LionherdConcurrencyPropertiesTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class, TaskExecutionAutoConfiguration.class));

	@Test
	void retryPolicyDefaultsAreLionherdCores() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.retries.remote.max-attempts=3").run((context) -> {
			RetrySettings settings = settings(context.getBean(LionherdConcurrencyProperties.class), "remote");
			assertThat(settings).isEqualTo(
					new RetrySettings(3, Duration.ofMillis(100), Duration.ofSeconds(2), 0.1, List.of(), List.of()));
		});
	}

	@Test
	void retryPolicyBindsEveryProperty() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.retries.remote.max-attempts=5",
				"lionherd.concurrency.retries.remote.base-delay=50ms",
				"lionherd.concurrency.retries.remote.max-delay=1s", "lionherd.concurrency.retries.remote.jitter=0.5",
				"lionherd.concurrency.retries.remote.retry-on=java.io.IOException,java.util.concurrent.TimeoutException",
				"lionherd.concurrency.retries.remote.exclude=java.io.FileNotFoundException")
			.run((context) -> {
				RetrySettings settings = settings(context.getBean(LionherdConcurrencyProperties.class), "remote");
				assertThat(settings).isEqualTo(new RetrySettings(5, Duration.ofMillis(50), Duration.ofSeconds(1), 0.5,
						List.of(IOException.class, TimeoutException.class), List.of(FileNotFoundException.class)));
			});
	}

	@Test
	void defaultRetryOnRetriesEveryExceptionButCancellationAndInterruption() {
		RetryPolicy policy = new RetrySettings(3, Duration.ZERO, Duration.ZERO, 0, List.of(), List.of()).toPolicy();
		assertThat(policy.retries(new IOException())).isTrue();
		assertThat(policy.retries(new IllegalStateException())).isTrue();
		assertThat(policy.retries(new CancellationException())).isFalse();
		assertThat(policy.retries(new InterruptedException())).isFalse();
		assertThat(policy.retries(new AssertionError())).isFalse();
	}

	@Test
	void retryOnRetriesTheListedClassesAndTheirSubclassesAlsoAsCauses() {
		RetryPolicy policy = new RetrySettings(3, Duration.ZERO, Duration.ZERO, 0, List.of(IOException.class),
				List.of())
			.toPolicy();
		assertThat(policy.retries(new IOException())).isTrue();
		assertThat(policy.retries(new FileNotFoundException())).isTrue();
		assertThat(policy.retries(new UncheckedIOException(new IOException()))).isTrue();
		assertThat(policy.retries(new IllegalStateException())).isFalse();
	}

	@Test
	void retryOnExceptionStillNeverRetriesCancellationOrInterruption() {
		RetryPolicy policy = new RetrySettings(3, Duration.ZERO, Duration.ZERO, 0, List.of(Exception.class), List.of())
			.toPolicy();
		assertThat(policy.retries(new IOException())).isTrue();
		assertThat(policy.retries(new CancellationException())).isFalse();
		assertThat(policy.retries(new InterruptedException())).isFalse();
	}

	@Test
	void excludeWinsOverRetryOnAlsoAsACause() {
		RetryPolicy policy = new RetrySettings(3, Duration.ZERO, Duration.ZERO, 0, List.of(IOException.class),
				List.of(FileNotFoundException.class))
			.toPolicy();
		assertThat(policy.retries(new IOException())).isTrue();
		assertThat(policy.retries(new FileNotFoundException())).isFalse();
		assertThat(policy.retries(new UncheckedIOException(new FileNotFoundException()))).isFalse();
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "max-attempts=0 | max-attempts | 0 | max-attempts must be at least 1",
			"base-delay=-1ms | base-delay | -0.001S | base-delay must be zero or positive",
			"max-delay=10ms | max-delay | PT0.01S | max-delay must be at least base-delay (PT0.1S)",
			"jitter=1.5 | jitter | 1.5 | jitter must be from 0 to 1",
			"jitter=-0.1 | jitter | -0.1 | jitter must be from 0 to 1",
			"retry-on=com.example.Missing | retry-on[0] | com.example.Missing | Throwable classes on the class path",
			"retry-on=java.lang.String | retry-on[0] | java.lang.String | Throwable classes on the class path",
			"exclude=java.io.IOException,com.example.Missing | exclude[1] | com.example.Missing | "
					+ "exclude must list fully qualified names of Throwable classes on the class path" })
	void invalidRetryPropertyStopsStartupNamingPropertyValueAndWhatIsAllowed(String setting, String property,
			String value, String allowed) {
		this.contextRunner.withPropertyValues("lionherd.concurrency.retries.remote." + setting).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("lionherd.concurrency.retries.remote." + property)
				.hasMessageContaining(value)
				.hasMessageContaining(allowed);
		});
	}

	private static RetrySettings settings(LionherdConcurrencyProperties properties, String name) {
		return properties.getRetries().get(name).toSettings();
	}

}
