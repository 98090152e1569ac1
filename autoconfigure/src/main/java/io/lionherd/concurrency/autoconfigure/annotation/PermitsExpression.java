package io.lionherd.concurrency.autoconfigure.annotation;

import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Pattern;

import io.lionherd.concurrency.ratelimit.RateLimiter;
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
 * The {@code permits} of a {@code @RateLimited} method: a SpEL expression over the
 * method's arguments, as {@code @Cacheable}'s {@code key} (parameter names, {@code #p0},
 * {@code #a0}), parsed once when the method is planned and evaluated on every call. It
 * must yield a positive whole number: an integral {@link Number} ({@code Integer},
 * {@code Long}, {@code BigInteger}..., or a {@code Double} or {@code BigDecimal} without
 * a fraction) or a {@link String} of decimal digits (a request parameter taken as text);
 * anything else, or more than the limiter could ever grant, is an
 * {@link IllegalArgumentException} naming the method and the expression.
 */
final class PermitsExpression {

	private static final ExpressionParser PARSER = new SpelExpressionParser();

	private static final ParameterNameDiscoverer PARAMETER_NAMES = new DefaultParameterNameDiscoverer();

	private static final Pattern DIGITS = Pattern.compile("[0-9]+");

	private final String text;

	private final Expression expression;

	private final Method method;

	private final RateLimiter limiter;

	private PermitsExpression(String text, Expression expression, Method method, RateLimiter limiter) {
		this.text = text;
		this.expression = expression;
		this.method = method;
		this.limiter = limiter;
	}

	/**
	 * Parses {@code text}.
	 * @param text the expression, not blank
	 * @param method the annotated method, as declared by the bean's class (its parameter
	 * names are the expression's variables)
	 * @param limiter the limiter the permits are asked of
	 * @return the parsed expression
	 * @throws ParseException if {@code text} is not a SpEL expression
	 */
	static PermitsExpression parse(String text, Method method, RateLimiter limiter) {
		return new PermitsExpression(text, PARSER.parseExpression(text), BridgeMethodResolver.findBridgedMethod(method),
				limiter);
	}

	/**
	 * The permits of one call.
	 * @param arguments the call's arguments
	 * @return at least 1, and never more than a permits-limit of the limiter allows
	 * @throws IllegalArgumentException if the expression fails or yields anything else
	 */
	long evaluate(@Nullable Object[] arguments) {
		Object value;
		try {
			// No root object: the arguments are the expression's only variables.
			value = this.expression
				.getValue(new MethodBasedEvaluationContext(null, this.method, arguments, PARAMETER_NAMES));
		}
		catch (EvaluationException ex) {
			throw invalid("could not be evaluated: " + ex.getMessage(), ex);
		}
		long permits = permits(value);
		try {
			return this.limiter.config().checkPermits(permits);
		}
		catch (IllegalArgumentException ex) {
			throw invalid("yielded " + permits + ", which rate limiter '" + this.limiter.name()
					+ "' could never grant: " + ex.getMessage(), ex);
		}
	}

	private long permits(@Nullable Object value) {
		Long permits = wholeNumber(value);
		if (permits == null || permits < 1) {
			String type = (value != null) ? " (" + value.getClass().getName() + ")" : "";
			String hint = (value == null) ? "; a parameter is reached by name only when the class is compiled with "
					+ "-parameters, by position (#p0, #a0) always" : "";
			throw invalid("yielded " + describe(value) + type + ", but permits must be a positive whole number "
					+ "(an integral Number or a String of decimal digits)" + hint, null);
		}
		return permits;
	}

	/** The value as a long, when it is a whole number that fits; else null. */
	private static @Nullable Long wholeNumber(@Nullable Object value) {
		if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
			return ((Number) value).longValue();
		}
		BigDecimal decimal = decimal(value);
		if (decimal == null) {
			return null;
		}
		try {
			return decimal.longValueExact();
		}
		catch (ArithmeticException ex) {
			return null;
		}
	}

	private static @Nullable BigDecimal decimal(@Nullable Object value) {
		if (value instanceof BigDecimal decimal) {
			return decimal;
		}
		if (value instanceof BigInteger integer) {
			return new BigDecimal(integer);
		}
		if ((value instanceof Double || value instanceof Float) && Double.isFinite(((Number) value).doubleValue())) {
			return BigDecimal.valueOf(((Number) value).doubleValue());
		}
		if (value instanceof Number number) {
			return decimal(number.toString());
		}
		if (value instanceof String text && DIGITS.matcher(text).matches()) {
			return new BigDecimal(text);
		}
		return null;
	}

	private static String describe(@Nullable Object value) {
		return (value instanceof CharSequence) ? "'" + value + "'" : String.valueOf(value);
	}

	private IllegalArgumentException invalid(String problem, @Nullable Throwable cause) {
		return new IllegalArgumentException("@RateLimited(permits = \"" + this.text + "\") of "
				+ ClassUtils.getQualifiedMethodName(this.method) + "() " + problem, cause);
	}

	@Override
	public String toString() {
		return this.text;
	}

}
