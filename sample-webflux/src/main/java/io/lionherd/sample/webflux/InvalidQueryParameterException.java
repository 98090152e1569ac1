package io.lionherd.sample.webflux;

import org.jspecify.annotations.Nullable;

/**
 * A query parameter that is missing or not allowed, answered 400 by
 * {@link ApiExceptionHandler} with the parameter, the value and what is allowed.
 */
public class InvalidQueryParameterException extends RuntimeException {

	private final String parameter;

	private final @Nullable String value;

	private final String allowed;

	/**
	 * @param parameter the parameter's name
	 * @param value the value sent, {@code null} when the parameter is missing
	 * @param allowed what the parameter allows, such as "must be 1 to 10 letters"
	 */
	public InvalidQueryParameterException(String parameter, @Nullable String value, String allowed) {
		super("Invalid query parameter '" + parameter + "': " + allowed + " ("
				+ ((value != null) ? "got '" + value + "'" : "missing") + ")");
		this.parameter = parameter;
		this.value = value;
		this.allowed = allowed;
	}

	public String parameter() {
		return this.parameter;
	}

	public @Nullable String value() {
		return this.value;
	}

	public String allowed() {
		return this.allowed;
	}

}
