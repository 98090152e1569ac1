package io.lionherd.concurrency.autoconfigure.web;

import java.security.Principal;
import java.util.Locale;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Whose quota a request spends, as a rule's {@code key} says. The key strings carry their
 * kind ({@code ip:}, {@code header:<name>:}, {@code principal:}), so that two rules
 * sharing a limiter with different kinds of key never share a quota: a client cannot send
 * a header whose value is someone else's address and spend that address's quota.
 *
 * @param kind the kind of key
 * @param header the header name as configured, for {@link Kind#HEADER}
 * @param prefix what the key strings of this kind start with (a header name in lower
 * case: header names are not case-sensitive)
 */
record ClientKey(Kind kind, @Nullable String header, String prefix) {

	static final String ALLOWED = "one of ip, header:<Name> (a request header name, e.g. header:X-Api-Key), "
			+ "principal, none";

	enum Kind {

		/** {@code request.getRemoteAddr()}. */
		IP,

		/** The value of a request header. */
		HEADER,

		/** The name of {@code request.getUserPrincipal()}. */
		PRINCIPAL,

		/** One quota for every client. */
		NONE

	}

	/**
	 * Parses a rule's {@code key}.
	 * @param value the configured value
	 * @param property the property, for the failure
	 * @return the key
	 * @throws InvalidConfigurationPropertyValueException if it is none of the allowed
	 * forms
	 */
	static ClientKey parse(@Nullable String value, String property) {
		if (value == null) {
			throw new InvalidConfigurationPropertyValueException(property, null, "a rule needs a key: " + ALLOWED);
		}
		String trimmed = value.trim();
		String lower = trimmed.toLowerCase(Locale.ROOT);
		switch (lower) {
			case "ip":
				return new ClientKey(Kind.IP, null, "ip:");
			case "principal":
				return new ClientKey(Kind.PRINCIPAL, null, "principal:");
			case "none":
				return new ClientKey(Kind.NONE, null, "");
			default:
		}
		if (lower.startsWith("header:")) {
			String name = trimmed.substring("header:".length()).trim();
			if (isToken(name)) {
				return new ClientKey(Kind.HEADER, name, "header:" + name.toLowerCase(Locale.ROOT) + ":");
			}
			throw new InvalidConfigurationPropertyValueException(property, value, "'" + name
					+ "' is not a header name (letters, digits and !#$%&'*+-.^_`|~); the key must be " + ALLOWED);
		}
		throw new InvalidConfigurationPropertyValueException(property, value, "the key must be " + ALLOWED);
	}

	/** RFC 9110 token: a header field name. */
	static boolean isToken(String name) {
		if (name.isEmpty()) {
			return false;
		}
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			boolean alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
			if (!alphanumeric && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
				return false;
			}
		}
		return true;
	}

	/**
	 * The key of this request.
	 * @param request the request
	 * @return the key; {@code null} for {@link Kind#NONE}
	 * @throws MissingKeyException if the request has no such key
	 */
	@Nullable String resolve(HttpServletRequest request) {
		return switch (this.kind) {
			case IP -> this.prefix + request.getRemoteAddr();
			case HEADER -> {
				String value = request.getHeader(this.header);
				if (value == null || value.isEmpty()) {
					throw new MissingKeyException(this);
				}
				yield this.prefix + value;
			}
			case PRINCIPAL -> {
				Principal principal = request.getUserPrincipal();
				if (principal == null || principal.getName() == null || principal.getName().isEmpty()) {
					throw new MissingKeyException(this);
				}
				yield this.prefix + principal.getName();
			}
			case NONE -> null;
		};
	}

	@Override
	public String toString() {
		return switch (this.kind) {
			case HEADER -> "header:" + this.header;
			default -> this.kind.name().toLowerCase(Locale.ROOT);
		};
	}

	/** A request without the key its rule needs: no header, or no authenticated user. */
	static final class MissingKeyException extends RuntimeException {

		private final ClientKey key;

		MissingKeyException(ClientKey key) {
			super(null, null, false, false);
			this.key = key;
		}

		ClientKey key() {
			return this.key;
		}

	}

}
