package io.lionherd.sample;

import java.time.Duration;

import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * The sample's {@link RateLimiter} bean ({@link RateLimiterConfiguration}): the starter's
 * limiter {@code sample}, configured by {@code application.yml}, and invalid values under
 * {@code lionherd.concurrency.rate-limiters.sample.*} stopping startup with a report
 * naming the property.
 */
@SampleAppTest
@ExtendWith(OutputCaptureExtension.class)
class SampleRateLimiterConfigurationTests {

	@Autowired
	RateLimiter rateLimiter;

	@Autowired
	RateLimiterRegistry registry;

	@Test
	void applicationYmlConfiguresThreeCallsPerHalfSecondWaitingTwoSeconds() {
		assertThat(this.rateLimiter.config())
			.isEqualTo(new RateLimiterConfig(3, Duration.ofMillis(500), Duration.ofSeconds(2)));
	}

	@Test
	void beanIsTheRegistrysLimiterNamedSample() {
		assertThat(this.rateLimiter.name()).isEqualTo("sample");
		assertThat(this.rateLimiter).isSameAs(this.registry.get("sample"));
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|',
			value = { "max-calls | 0        | max-calls must be from 1 to 67108864 (2^26)",
					"max-calls | -3       | max-calls must be from 1 to 67108864 (2^26)",
					"max-calls | 67108865 | max-calls must be from 1 to 67108864 (2^26)",
					"period    | 0ms      | period must be positive", "period    | -1s      | period must be positive",
					"timeout   | -1s      | timeout must be zero or positive, or unset for no limit" })
	void invalidValueStopsStartupNamingTheProperty(String property, String value, String reason,
			CapturedOutput output) {
		SpringApplicationBuilder application = new SpringApplicationBuilder(SampleApplication.class)
			.web(WebApplicationType.NONE);

		// command-line arguments override application.yml
		// (SpringApplicationBuilder.properties would not)
		assertThatException()
			.isThrownBy(() -> application.run("--lionherd.concurrency.rate-limiters.sample." + property + "=" + value,
					"--spring.main.banner-mode=off"));
		assertThat(output).contains("APPLICATION FAILED TO START",
				"Invalid value '" + value + "' for configuration property 'lionherd.concurrency.rate-limiters.sample."
						+ property + "' (originating from '\"lionherd.concurrency.rate-limiters.sample." + property
						+ "\" from property source \"commandLineArgs\"')",
				reason);
	}

	@Test
	void unconvertibleValueStopsStartupNamingTheProperty(CapturedOutput output) {
		SpringApplicationBuilder application = new SpringApplicationBuilder(SampleApplication.class)
			.web(WebApplicationType.NONE);

		assertThatException().isThrownBy(() -> application
			.run("--lionherd.concurrency.rate-limiters.sample.max-calls=many", "--spring.main.banner-mode=off"));
		assertThat(output).contains("APPLICATION FAILED TO START",
				"Origin: \"lionherd.concurrency.rate-limiters.sample.max-calls\" from property source \"commandLineArgs\"",
				"Value: \"many\"", "Reason: failed to convert");
	}

}
