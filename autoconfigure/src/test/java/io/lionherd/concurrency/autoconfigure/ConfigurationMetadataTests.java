package io.lionherd.concurrency.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that the generated configuration metadata gives IDEs a description and the
 * default of every property.
 */
class ConfigurationMetadataTests {

	@ParameterizedTest
	@CsvSource({ "lionherd.concurrency.executor.core-size, 8", "lionherd.concurrency.executor.max-size, 2147483647",
			"lionherd.concurrency.executor.queue-capacity, 2147483647", "lionherd.concurrency.executor.keep-alive, 60s",
			"lionherd.concurrency.executor.allow-core-thread-timeout, true",
			"lionherd.concurrency.executor.thread-name-prefix, lionherd-",
			"lionherd.concurrency.executor.await-termination, true",
			"lionherd.concurrency.executor.await-termination-period, 30s", "lionherd.concurrency.monitor.enabled, true",
			"lionherd.concurrency.monitor.max-names, 100" })
	void propertyHasDescriptionAndDefault(String name, String defaultValue) throws IOException {
		Map<String, Object> property = property(name);
		assertThat((String) property.get("description")).isNotBlank();
		assertThat(String.valueOf(property.get("defaultValue"))).isEqualTo(defaultValue);
	}

	@ParameterizedTest
	@CsvSource({ "lionherd.concurrency.executor.virtual-threads", "lionherd.concurrency.executor.bean-name",
			"lionherd.concurrency.rate-limiters", "lionherd.concurrency.retries",
			"lionherd.concurrency.capacity-limiters" })
	void propertyWithoutDefaultHasDescription(String name) throws IOException {
		assertThat((String) property(name).get("description")).isNotBlank();
	}

	@ParameterizedTest
	@CsvSource({ "lionherd.concurrency.retries.values.retry-on", "lionherd.concurrency.retries.values.exclude" })
	void retryPolicyClassListsHintThrowableClasses(String name) throws IOException {
		try (InputStream metadata = ConfigurationMetadataTests.class
			.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(metadata).as("generated configuration metadata").isNotNull();
			List<Map<String, Object>> providers = JsonPath.parse(metadata)
				.read("$.hints[?(@.name == '" + name + "')].providers[*]");
			assertThat(providers).singleElement()
				.satisfies((provider) -> assertThat(provider).containsEntry("name", "class-reference")
					.containsEntry("parameters", Map.of("target", "java.lang.Throwable", "concrete", false)));
		}
	}

	@Test
	void onBackendFailureHintOffersEveryModeOfTheCoreEnum() throws IOException {
		assertThat(hintValues("lionherd.concurrency.rate-limiters.values.on-backend-failure"))
			.containsExactlyElementsOf(Arrays.stream(OnBackendFailure.values())
				.map((mode) -> mode.name().toLowerCase(Locale.ROOT))
				.toList());
	}

	@Test
	void backendHintOffersLocalAndRedis() throws IOException {
		assertThat(hintValues("lionherd.concurrency.rate-limiters.values.backend")).containsExactly("local", "redis");
	}

	@Test
	void concurrencyLimitHintsOfferLocalAndRedisAndEveryFailureMode() throws IOException {
		assertThat(hintValues("lionherd.concurrency.capacity-limiters.values.backend")).containsExactly("local",
				"redis");
		assertThat(hintValues("lionherd.concurrency.capacity-limiters.values.on-backend-failure"))
			.containsExactlyElementsOf(Arrays.stream(OnBackendFailure.values())
				.map((mode) -> mode.name().toLowerCase(Locale.ROOT))
				.toList());
	}

	@Test
	void capacityKeyPrefixHasDescriptionAndDefault() throws IOException {
		Map<String, Object> property = property("lionherd.concurrency.redis.capacity-key-prefix");
		assertThat((String) property.get("description")).isNotBlank();
		assertThat(property.get("defaultValue")).isEqualTo("lionherd:capacity:");
	}

	private static List<String> hintValues(String name) throws IOException {
		try (InputStream metadata = ConfigurationMetadataTests.class
			.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(metadata).as("generated configuration metadata").isNotNull();
			return JsonPath.parse(metadata).read("$.hints[?(@.name == '" + name + "')].values[*].value");
		}
	}

	private static Map<String, Object> property(String name) throws IOException {
		try (InputStream metadata = ConfigurationMetadataTests.class
			.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(metadata).as("generated configuration metadata").isNotNull();
			List<Map<String, Object>> matches = JsonPath.parse(metadata)
				.read("$.properties[?(@.name == '" + name + "')]");
			assertThat(matches).as(name).hasSize(1);
			return matches.get(0);
		}
	}

}
