package io.lionherd.concurrency.autoconfigure.annotation;

import java.lang.reflect.Method;

import org.jspecify.annotations.Nullable;

import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.ExpressionParser;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;

/**
 * The {@code key} of a {@code @RateLimited} method: a SpEL expression over the method's
 * arguments, as its {@code permits} ({@link PermitsExpression}), parsed once when the
 * method is planned and evaluated once per call. The key is the value's
 * {@code toString()}; a {@code null} or empty one, or an expression that fails, is an
 * {@link IllegalArgumentException} naming the method and the expression.
 */
final class KeyExpression {

	private static final ExpressionParser PARSER = new SpelExpressionParser();

	private static final ParameterNameDiscoverer PARAMETER_NAMES = new DefaultParameterNameDiscoverer();

	private final String text;

	private final Expression expression;

	private final Method method;

	private KeyExpression(String text, Expression expression, Method method) {
		this.text = text;
		this.expression = expression;
		this.method = method;
	}

	/**
	 * Parses {@code text}.
	 * @param text the expression, not blank
	 * @param method the annotated method, as declared by the bean's class (its parameter
	 * names are the expression's variables)
	 * @return the parsed expression
	 * @throws ParseException if {@code text} is not a SpEL expression
	 */
	static KeyExpression parse(String text, Method method) {
		return new KeyExpression(text, PARSER.parseExpression(text), BridgeMethodResolver.findBridgedMethod(method));
	}

	/**
	 * The key of one call.
	 * @param arguments the call's arguments
	 * @return the key, not empty
	 * @throws IllegalArgumentException if the expression fails or yields {@code null} or
	 * an empty string
	 */
	String evaluate(@Nullable Object[] arguments) {
		Object value;
		try {
			// No root object: the arguments are the expression's only variables.
			value = this.expression
				.getValue(new MethodBasedEvaluationContext(null, this.method, arguments, PARAMETER_NAMES));
		}
		catch (EvaluationException ex) {
			throw invalid("could not be evaluated: " + ex.getMessage(), ex);
		}
		String key = (value != null) ? value.toString() : null;
		if (key == null || key.isEmpty()) {
			String hint = (value == null) ? "; a parameter is reached by name only when the class is compiled with "
					+ "-parameters, by position (#p0, #a0) always" : "";
			throw invalid("yielded " + ((value == null) ? "null" : "''") + ", but a key must be a value whose "
					+ "toString() is not empty (a String, a Number, a UUID...)" + hint, null);
		}
		return key;
	}

	private IllegalArgumentException invalid(String problem, @Nullable Throwable cause) {
		return new IllegalArgumentException("@RateLimited(key = \"" + this.text + "\") of "
				+ ClassUtils.getQualifiedMethodName(this.method) + "() " + problem, cause);
	}

	@Override
	public String toString() {
		return this.text;
	}

}
