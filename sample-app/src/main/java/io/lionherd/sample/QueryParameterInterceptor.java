package io.lionherd.sample;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.MethodParameter;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Checks an API request's query string before Spring MVC reads a parameter, and rejects
 * with {@link InvalidQueryParameterException} (answered 400, naming each parameter):
 * <ul>
 * <li>a name or value whose percent-encoding does not decode as UTF-8 ({@code %zz},
 * {@code %}, {@code %C0%AE}, {@code %FF%FE});</li>
 * <li>a {@code @RequestParam} of the handler given more than once (Spring would silently
 * take the first value, so {@code seconds=0&seconds=11} passed the 10 s limit);</li>
 * <li>a value of a numeric {@code @RequestParam} that is not a plain ASCII decimal:
 * integers {@code -?[0-9]+}, other numbers {@code -?[0-9]+(.[0-9]+)?} (no exponent, sign
 * {@code +}, blanks, hex, other scripts' digits, {@code NaN} or {@code Infinity}, all of
 * which {@code parseInt} or Spring's number parsing would accept). A minus sign parses,
 * so the range check that follows names {@code -1} as out of range together with the
 * request's other bad values. An empty value means the parameter's default, as in Spring
 * MVC.</li>
 * </ul>
 */
final class QueryParameterInterceptor implements HandlerInterceptor {

	static final String REPEATED = "must be given once";

	private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");

	private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

	private static final Set<Class<?>> INTEGER_TYPES = Set.of(int.class, Integer.class, long.class, Long.class,
			short.class, Short.class, byte.class, Byte.class, BigInteger.class);

	private static final Set<Class<?>> DECIMAL_TYPES = Set.of(double.class, Double.class, float.class, Float.class,
			BigDecimal.class);

	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
		List<QueryString.Parameter> parameters = QueryString.parse(request.getQueryString());
		List<InvalidQueryParameterException.Invalid> invalid = new ArrayList<>(QueryString.malformed(parameters));
		if (invalid.isEmpty() && handler instanceof HandlerMethod method) {
			Map<String, List<String>> values = new LinkedHashMap<>();
			for (QueryString.Parameter parameter : parameters) {
				values.computeIfAbsent(parameter.name(), (name) -> new ArrayList<>()).add(parameter.value());
			}
			for (MethodParameter parameter : method.getMethodParameters()) {
				if (parameter.hasParameterAnnotation(RequestParam.class)) {
					String name = ApiExceptionHandler.parameterName(parameter);
					check(parameter, name, values.getOrDefault(name, List.of()), invalid);
				}
			}
		}
		if (!invalid.isEmpty()) {
			throw new InvalidQueryParameterException(invalid);
		}
		return true;
	}

	private static void check(MethodParameter parameter, String name, List<String> values,
			List<InvalidQueryParameterException.Invalid> invalid) {
		if (values.size() > 1) {
			invalid.add(new InvalidQueryParameterException.Invalid(name, values, REPEATED));
			return;
		}
		if (values.isEmpty() || values.get(0).isEmpty()) {
			return;
		}
		String value = values.get(0);
		Class<?> type = parameter.getParameterType();
		Pattern syntax = INTEGER_TYPES.contains(type) ? INTEGER : DECIMAL_TYPES.contains(type) ? DECIMAL : null;
		if (syntax != null && !syntax.matcher(value).matches()) {
			String fallback = (syntax == INTEGER) ? "must be a plain decimal integer"
					: "must be a plain decimal number";
			invalid.add(new InvalidQueryParameterException.Invalid(name, values,
					ApiExceptionHandler.allowedValues(parameter, fallback)));
		}
	}

}
