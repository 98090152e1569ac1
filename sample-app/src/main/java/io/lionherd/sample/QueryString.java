package io.lionherd.sample;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Reads a raw query string the way the servlet container does ({@code &}-separated
 * {@code name=value} pairs, {@code +} for a space, percent-encoded UTF-8), but reports
 * what does not decode instead of failing on it. Tomcat throws
 * {@code InvalidParameterException} from {@code getParameter} for such a query, which
 * ends up logged at ERROR with a stack trace and answered with a 400 that names nothing;
 * checking first avoids both.
 */
final class QueryString {

	/** What a parameter's name and value must be. */
	static final String MALFORMED = "must be percent-encoded UTF-8";

	private QueryString() {
	}

	/**
	 * Parses a raw query string.
	 * @param rawQuery the query as sent (undecoded), or {@code null} for none
	 * @return the parameters in order; empty pairs ({@code &&}) are skipped as the
	 * container does
	 */
	static List<Parameter> parse(@Nullable String rawQuery) {
		List<Parameter> parameters = new ArrayList<>();
		if (rawQuery == null) {
			return parameters;
		}
		for (String pair : rawQuery.split("&")) {
			if (pair.isEmpty()) {
				continue;
			}
			int equals = pair.indexOf('=');
			String rawName = (equals >= 0) ? pair.substring(0, equals) : pair;
			String rawValue = (equals >= 0) ? pair.substring(equals + 1) : "";
			parameters.add(new Parameter(rawName, rawValue, decode(rawName), decode(rawValue)));
		}
		return parameters;
	}

	/**
	 * The parameters whose name or value does not decode, each name once.
	 * @param parameters parsed parameters
	 * @return one entry per malformed parameter, with the name and values as sent
	 */
	static List<InvalidQueryParameterException.Invalid> malformed(List<Parameter> parameters) {
		Map<String, List<String>> malformed = new LinkedHashMap<>();
		for (Parameter parameter : parameters) {
			if (parameter.isMalformed()) {
				malformed.computeIfAbsent(parameter.reportedName(), (name) -> new ArrayList<>())
					.add(parameter.rawValue());
			}
		}
		return malformed.entrySet()
			.stream()
			.map((entry) -> new InvalidQueryParameterException.Invalid(entry.getKey(), entry.getValue(), MALFORMED))
			.toList();
	}

	/**
	 * Decodes {@code +} and percent-escapes as UTF-8, strictly.
	 * @param raw the text as sent
	 * @return the decoded text, or {@code null} if an escape is cut off or not
	 * hexadecimal, or the bytes are not UTF-8 (overlong forms such as {@code %C0%AE}
	 * included)
	 */
	static @Nullable String decode(String raw) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
		for (int i = 0; i < raw.length(); i++) {
			char c = raw.charAt(i);
			if (c == '%') {
				if (i + 2 >= raw.length()) {
					return null;
				}
				int high = hex(raw.charAt(i + 1));
				int low = hex(raw.charAt(i + 2));
				if (high < 0 || low < 0) {
					return null;
				}
				bytes.write((high << 4) | low);
				i += 2;
			}
			else if (c == '+') {
				bytes.write(' ');
			}
			else if (c <= 0xFF) {
				// the container hands the raw query over as ISO-8859-1: one char per byte
				bytes.write(c);
			}
			else {
				byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
				bytes.write(encoded, 0, encoded.length);
			}
		}
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes.toByteArray()))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return null;
		}
	}

	/**
	 * Text safe for a log line: control characters (line breaks, NUL...) become
	 * {@code ?}.
	 * @param text text a client sent
	 * @return the text without control characters
	 */
	static String printable(String text) {
		return text.replaceAll("\\p{Cntrl}", "?");
	}

	/**
	 * An ASCII hexadecimal digit's value, or -1 (unlike {@link Character#digit}, no other
	 * scripts).
	 */
	private static int hex(char c) {
		if (c >= '0' && c <= '9') {
			return c - '0';
		}
		if (c >= 'a' && c <= 'f') {
			return c - 'a' + 10;
		}
		if (c >= 'A' && c <= 'F') {
			return c - 'A' + 10;
		}
		return -1;
	}

	/**
	 * One {@code name=value} pair.
	 *
	 * @param rawName the name as sent
	 * @param rawValue the value as sent ({@code ""} if there was no {@code =})
	 * @param name the decoded name, {@code null} if it does not decode
	 * @param value the decoded value, {@code null} if it does not decode
	 */
	record Parameter(String rawName, String rawValue, @Nullable String name, @Nullable String value) {

		boolean isMalformed() {
			return this.name == null || this.value == null;
		}

		/** The decoded name if it decodes, else the name as sent. */
		String reportedName() {
			return (this.name != null) ? this.name : this.rawName;
		}

	}

}
