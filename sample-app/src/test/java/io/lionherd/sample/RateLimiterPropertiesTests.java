package io.lionherd.sample;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/** {@code sample.rate-limiter.*}: defaults, and invalid values stopping startup with a clear report. */
@ExtendWith(OutputCaptureExtension.class)
class RateLimiterPropertiesTests {

	@Test
	void defaultsAreThreeCallsPerHalfSecondWaitingTwoSeconds() {
		new ApplicationContextRunner().withUserConfiguration(PropertiesConfiguration.class)
			.run((context) -> assertThat(context).getBean(RateLimiterProperties.class)
				.isEqualTo(new RateLimiterProperties(3, Duration.ofMillis(500), Duration.ofSeconds(2))));
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', value = {
			"max-calls | 0    | Value: \"0\"     | Reason: must be at least 1",
			"max-calls | -3   | Value: \"-3\"    | Reason: must be at least 1",
			"period    | 0ms  | Value: \"PT0S\"  | Reason: must be a positive duration, such as 500ms",
			"period    | -1s  | Value: \"PT-1S\" | Reason: must be a positive duration, such as 500ms",
			"timeout   | -1s  | Value: \"PT-1S\" | Reason: must be zero or a positive duration, such as 2s",
			"max-calls | many | Value: \"many\"  | Reason: failed to convert" })
	void invalidValueStopsStartupNamingTheProperty(String property, String value, String shownValue, String reason,
			CapturedOutput output) {
		SpringApplicationBuilder application = new SpringApplicationBuilder(SampleApplication.class)
			.web(WebApplicationType.NONE);

		// command-line arguments override application.yml (SpringApplicationBuilder.properties would not)
		assertThatException().isThrownBy(() -> application.run("--sample.rate-limiter." + property + "=" + value,
				"--spring.main.banner-mode=off"));
		// the "Property:" line spells a record component camelCase (maxCalls); "Origin:" names what was set
		assertThat(output).contains("APPLICATION FAILED TO START",
				"Origin: \"sample.rate-limiter." + property + "\" from property source \"commandLineArgs\"",
				shownValue, reason);
	}

	/** Not a {@code @Configuration}: the sample's component scan must not pick it up. */
	@EnableConfigurationProperties(RateLimiterProperties.class)
	static class PropertiesConfiguration {

	}

}
