package io.lionherd.concurrency.autoconfigure;

import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.ParameterizedType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.jayway.jsonpath.JsonPath;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.beans.BeanUtils;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that the configuration reference, {@code docs/configuration.md}, lists exactly
 * the properties of the generated configuration metadata, each with the metadata's
 * default, so the page cannot drift from the code. The entries of a named map
 * ({@code rate-limiters.<name>.*}, {@code retries.<name>.*}) are read from the map's
 * value type, which the metadata names but the configuration processor does not expand;
 * so are the elements of a list of our property classes inside them
 * ({@code rate-limiters.<name>.limits[i].*}).
 */
class ConfigurationReferenceTests {

	// The module's directory under Maven; the repository's root under some IDEs.
	private static final Path PAGE = Stream
		.of(Path.of("..", "docs", "configuration.md"), Path.of("docs", "configuration.md"))
		.filter(Files::isRegularFile)
		.findFirst()
		.orElse(Path.of("..", "docs", "configuration.md"));

	private static final String MAP_KEY = "<name>";

	private static final String LIST_INDEX = "[i]";

	// A table row naming a property in its first cell: | `name` | default | meaning |
	private static final Pattern ROW = Pattern
		.compile("^\\|\\s*`((?:lionherd|management)\\.[^`]+)`\\s*\\|([^|]*)\\|([^|]*)\\|\\s*$");

	private static final Pattern SINGLE_LITERAL = Pattern.compile("^`([^`]*)`$");

	@Test
	void pageListsEveryPropertyOfTheMetadata() throws IOException {
		Set<String> missing = new TreeSet<>(expected().keySet());
		missing.removeAll(documented().keySet());
		assertThat(missing).as("properties of the metadata missing from %s", PAGE).isEmpty();
	}

	@Test
	void pageNamesNoPropertyTheMetadataLacks() throws IOException {
		Set<String> unknown = new TreeSet<>(documented().keySet());
		unknown.removeAll(expected().keySet());
		assertThat(unknown).as("properties named in %s that the metadata does not have", PAGE).isEmpty();
	}

	@Test
	void pageGivesEachPropertyTheDefaultOfTheMetadata() throws IOException {
		Map<String, @Nullable String> expected = expected();
		documented().forEach((name, cell) -> {
			if (!expected.containsKey(name)) {
				return;
			}
			String metadataDefault = expected.get(name);
			if (metadataDefault != null) {
				assertThat(cell.defaultValue()).as("default of %s in %s", name, PAGE)
					.isEqualTo("`" + metadataDefault + "`");
			}
			else {
				assertThat(SINGLE_LITERAL.matcher(cell.defaultValue()).matches())
					.as("%s has no default in the metadata, but %s names one: %s", name, PAGE, cell.defaultValue())
					.isFalse();
			}
		});
	}

	@Test
	void pageDescribesEachProperty() throws IOException {
		documented().forEach((name, cell) -> assertThat(cell.meaning()).as("meaning of %s", name).isNotBlank());
	}

	/**
	 * The properties of the generated metadata with their defaults (null: none), a named
	 * map's entries expanded as {@code <map>.<name>.<property>}.
	 */
	private static Map<String, @Nullable String> expected() throws IOException {
		Map<String, @Nullable String> expected = new LinkedHashMap<>();
		for (Map<String, Object> property : metadataProperties()) {
			String name = (String) property.get("name");
			String type = (String) property.get("type");
			Class<?> valueType = mapValueType(type);
			if (valueType != null) {
				expected.putAll(entryProperties(name + "." + MAP_KEY, valueType));
			}
			else {
				Object defaultValue = property.get("defaultValue");
				expected.put(name, (defaultValue != null) ? String.valueOf(defaultValue) : null);
			}
		}
		return expected;
	}

	private static List<Map<String, Object>> metadataProperties() throws IOException {
		try (InputStream metadata = ConfigurationReferenceTests.class
			.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(metadata).as("generated configuration metadata").isNotNull();
			return JsonPath.parse(metadata).read("$.properties[*]");
		}
	}

	/**
	 * The value type of a {@code Map<String, V>} property whose values are property
	 * classes of ours (bound property by property), else null.
	 */
	private static @Nullable Class<?> mapValueType(@Nullable String type) {
		String prefix = "java.util.Map<java.lang.String,";
		if (type == null || !type.startsWith(prefix) || !type.endsWith(">")) {
			return null;
		}
		String valueType = type.substring(prefix.length(), type.length() - 1).trim();
		if (!valueType.startsWith("io.lionherd.")) {
			return null;
		}
		return ClassUtils.resolveClassName(valueType, ConfigurationReferenceTests.class.getClassLoader());
	}

	/**
	 * The bindable properties of a map's value type, with the defaults a new instance
	 * holds, written as the configuration processor writes defaults.
	 */
	private static Map<String, @Nullable String> entryProperties(String prefix, Class<?> type) {
		Object instance = BeanUtils.instantiateClass(type);
		Map<String, @Nullable String> properties = new LinkedHashMap<>();
		for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
			if (descriptor.getWriteMethod() == null || descriptor.getReadMethod() == null) {
				continue;
			}
			Object value;
			try {
				value = descriptor.getReadMethod().invoke(instance);
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException("Cannot read " + descriptor.getName() + " of " + type.getName(), ex);
			}
			String property = prefix + "." + kebab(descriptor.getName());
			Class<?> elementType = ourListElementType(descriptor);
			if (elementType != null) {
				properties.putAll(entryProperties(property + LIST_INDEX, elementType));
			}
			else {
				properties.put(property, defaultValue(value));
			}
		}
		return properties;
	}

	/**
	 * The element type of a {@code List<E>} property of one of our classes, else null.
	 */
	private static @Nullable Class<?> ourListElementType(PropertyDescriptor descriptor) {
		if (descriptor.getReadMethod().getGenericReturnType() instanceof ParameterizedType list
				&& list.getRawType() == List.class && list.getActualTypeArguments()[0] instanceof Class<?> element
				&& element.getName().startsWith("io.lionherd.")) {
			return element;
		}
		return null;
	}

	private static @Nullable String defaultValue(@Nullable Object value) {
		if (value == null || (value instanceof Collection<?> collection && collection.isEmpty())) {
			return null;
		}
		if (value instanceof Duration duration) {
			return (duration.toMillis() % 1000 == 0) ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
		}
		if (value instanceof Enum<?> constant) {
			return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
		}
		return String.valueOf(value);
	}

	private static String kebab(String camelCase) {
		return camelCase.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
	}

	private static Map<String, Cell> documented() throws IOException {
		assertThat(PAGE).as("the configuration reference").isRegularFile();
		Map<String, Cell> documented = new LinkedHashMap<>();
		for (String line : Files.readAllLines(PAGE, StandardCharsets.UTF_8)) {
			Matcher row = ROW.matcher(line);
			if (row.matches()) {
				Cell previous = documented.put(row.group(1), new Cell(row.group(2).trim(), row.group(3).trim()));
				assertThat(previous).as("%s listed twice in %s", row.group(1), PAGE).isNull();
			}
		}
		return documented;
	}

	private record Cell(String defaultValue, String meaning) {

	}

}
