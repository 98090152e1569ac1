package io.lionherd.concurrency.autoconfigure;

import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.CapacityLimiterProperties;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.LimitProperties;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.RateLimiterProperties;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.RetryProperties;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.BeanUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests the metadata IDEs use to complete the entries of the named maps
 * ({@code lionherd.concurrency.rate-limiters.<name>.*} and
 * {@code lionherd.concurrency.retries.<name>.*}). The configuration processor does not
 * expand a map's value type into properties, and the metadata format has no notation for
 * them; IDEs complete an entry's properties from the map's generic value type, and take
 * the values of the ones a type cannot tell from the hints named
 * {@code <map>.values.<property>} in additional-spring-configuration-metadata.json.
 */
class NamedEntryMetadataTests {

	@ParameterizedTest
	@CsvSource({ "lionherd.concurrency.rate-limiters, backend",
			"lionherd.concurrency.rate-limiters, on-backend-failure", "lionherd.concurrency.retries, retry-on",
			"lionherd.concurrency.retries, exclude", "lionherd.concurrency.capacity-limiters, backend",
			"lionherd.concurrency.capacity-limiters, on-backend-failure" })
	void entryPropertyWhoseValuesTheTypeCannotTellHasAHint(String map, String property) throws IOException {
		assertThat(hint(map + ".values." + property)).as("hint of %s.<name>.%s", map, property).isNotEmpty();
	}

	@ParameterizedTest
	@CsvSource({ "lionherd.concurrency.rate-limiters", "lionherd.concurrency.retries",
			"lionherd.concurrency.capacity-limiters" })
	void mapNamesItsEntryTypeForCompletion(String map) throws IOException {
		Class<?> entryType = entryType(map);
		List<String> types = metadata().read("$.properties[?(@.name == '" + map + "')].type");
		assertThat(types).as("type of %s", map)
			.containsExactly("java.util.Map<java.lang.String," + entryType.getName() + ">");
	}

	@ParameterizedTest
	@CsvSource({ "lionherd.concurrency.rate-limiters", "lionherd.concurrency.retries",
			"lionherd.concurrency.capacity-limiters" })
	void everyEntryHintNamesAPropertyOfTheEntryType(String map) throws IOException {
		String prefix = map + ".values.";
		List<String> hinted = metadata().read("$.hints[*].name");
		hinted.stream().filter((name) -> name.startsWith(prefix)).forEach((name) -> {
			String property = name.substring(prefix.length());
			assertThat(descriptor(entryType(map), property)).as("property %s of %s", property, entryType(map).getName())
				.isNotNull();
		});
	}

	@ParameterizedTest
	@CsvSource({ "lionherd.concurrency.rate-limiters, backend",
			"lionherd.concurrency.rate-limiters, on-backend-failure", "lionherd.concurrency.capacity-limiters, backend",
			"lionherd.concurrency.capacity-limiters, on-backend-failure" })
	void hintOfAnEnumEntryPropertyListsEveryConstant(String map, String property) throws IOException {
		PropertyDescriptor descriptor = descriptor(entryType(map), property);
		assertThat(descriptor).as("property %s of %s", property, entryType(map).getName()).isNotNull();
		Class<?> type = descriptor.getPropertyType();
		if (!type.isEnum()) {
			return;
		}
		List<String> constants = Arrays.stream(type.getEnumConstants())
			.map((constant) -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
			.toList();
		List<String> hinted = hint(map + ".values." + property).stream()
			.map((value) -> (String) value.get("value"))
			.toList();
		assertThat(hinted).as("values hinted for %s.<name>.%s", map, property)
			.containsExactlyInAnyOrderElementsOf(constants);
	}

	@Test
	void limitsOfALimiterCompleteFromTheirElementType() {
		PropertyDescriptor limits = descriptor(RateLimiterProperties.class, "limits");
		assertThat(limits).isNotNull();
		assertThat(limits.getReadMethod().getGenericReturnType().getTypeName())
			.isEqualTo("java.util.List<" + LimitProperties.class.getName() + ">");
		assertThat(descriptor(LimitProperties.class, "max")).isNotNull();
		assertThat(descriptor(LimitProperties.class, "period")).isNotNull();
		PropertyDescriptor counts = descriptor(LimitProperties.class, "counts");
		assertThat(counts).isNotNull();
		assertThat(Arrays.stream(counts.getPropertyType().getEnumConstants())
			.map((constant) -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT)))
			.containsExactly("permits", "calls");
	}

	private static Class<?> entryType(String map) {
		return switch (map) {
			case "lionherd.concurrency.rate-limiters" -> RateLimiterProperties.class;
			case "lionherd.concurrency.retries" -> RetryProperties.class;
			case "lionherd.concurrency.capacity-limiters" -> CapacityLimiterProperties.class;
			default -> throw new IllegalArgumentException("Not a named map: " + map);
		};
	}

	private static @Nullable PropertyDescriptor descriptor(Class<?> type, String kebabName) {
		for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
			String name = descriptor.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
			if (name.equals(kebabName) && descriptor.getWriteMethod() != null) {
				return descriptor;
			}
		}
		return null;
	}

	/**
	 * The values and providers of the hint of that name, one list.
	 */
	private static List<Map<String, Object>> hint(String name) throws IOException {
		DocumentContext metadata = metadata();
		List<Map<String, Object>> values = metadata.read("$.hints[?(@.name == '" + name + "')].values[*]");
		List<Map<String, Object>> providers = metadata.read("$.hints[?(@.name == '" + name + "')].providers[*]");
		return (values.isEmpty()) ? providers : values;
	}

	private static DocumentContext metadata() throws IOException {
		try (InputStream metadata = NamedEntryMetadataTests.class
			.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(metadata).as("generated configuration metadata").isNotNull();
			return JsonPath.parse(metadata);
		}
	}

}
