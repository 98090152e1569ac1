package io.lionherd.concurrency.autoconfigure;

import java.util.Collection;

/**
 * How a name is written as the key of a map property such as
 * {@code lionherd.concurrency.rate-limiters}. Spring Boot binds an unbracketed key with
 * the characters other than letters, digits, {@code -} and {@code _} dropped
 * ({@code rate-limiters.api:github.max-calls} configures {@code apigithub}), and splits
 * it at {@code .} ({@code rate-limiters.search.v2.max-calls} configures no limiter). The
 * bracket form keeps the name as written: {@code rate-limiters[api:github].max-calls}, or
 * {@code "[api:github]"} as a YAML key.
 */
final class MapKeys {

	private MapKeys() {
	}

	/**
	 * The property that configures the entry {@code name} of the map {@code map}, in the
	 * bracket form when the name needs it.
	 * @param map the map property, e.g. {@code lionherd.concurrency.rate-limiters}
	 * @param name the entry's name
	 * @return e.g. {@code lionherd.concurrency.rate-limiters.payments} or
	 * {@code lionherd.concurrency.rate-limiters[api:github]}
	 */
	static String key(String map, String name) {
		return needsBrackets(name) ? map + "[" + name + "]" : map + "." + name;
	}

	/**
	 * Where to configure an entry that is missing, and, when the name needs the bracket
	 * form, which entry an unbracketed key configured instead.
	 * @param map the map property
	 * @param name the missing entry's name
	 * @param known the names the map holds
	 * @return a hint for an error message
	 */
	static String configureHint(String map, String name, Collection<String> known) {
		if (!needsBrackets(name)) {
			return "configure it under " + key(map, name);
		}
		String hint = "configure it under " + key(map, name) + ", or \"[" + name + "]\" as a YAML key (without the "
				+ "brackets Spring Boot drops the characters other than letters, digits, '-' and '_' from a map key, "
				+ "and a '.' splits it)";
		// A dotted key configures no entry at all; any other is bound under the name
		// with the dropped characters left out.
		String unbracketed = unbracketed(name);
		if (name.indexOf('.') < 0 && known.contains(unbracketed)) {
			return hint + "; the configured '" + unbracketed + "' is what " + map + "." + name + " binds to";
		}
		return hint;
	}

	private static boolean needsBrackets(String name) {
		return name.chars().anyMatch((ch) -> !isKept(ch));
	}

	private static String unbracketed(String name) {
		StringBuilder kept = new StringBuilder();
		name.chars().filter(MapKeys::isKept).forEach((ch) -> kept.append((char) ch));
		return kept.toString();
	}

	private static boolean isKept(int ch) {
		return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-'
				|| ch == '_';
	}

}
