package io.lionherd.sample;

import java.util.List;

/**
 * Query parameters rejected before Spring MVC reads them: answered 400 by
 * {@link ApiExceptionHandler}, naming each parameter.
 */
final class InvalidQueryParameterException extends RuntimeException {

	private final List<Invalid> invalid;

	InvalidQueryParameterException(List<Invalid> invalid) {
		// names only: values may hold anything a client sent, line breaks included
		super("Invalid query parameters "
				+ invalid.stream().map((each) -> QueryString.printable(each.parameter())).toList(), null, false, false);
		this.invalid = List.copyOf(invalid);
	}

	List<Invalid> invalid() {
		return this.invalid;
	}

	/**
	 * One rejected parameter.
	 *
	 * @param parameter the parameter's name (as sent if it could not be decoded)
	 * @param values the values as received (as sent if they could not be decoded)
	 * @param message what is allowed
	 */
	record Invalid(String parameter, List<String> values, String message) {
	}

}
