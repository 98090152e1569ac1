package io.lionherd.sample;

import java.lang.annotation.Annotation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

import io.lionherd.concurrency.capacity.ConcurrencyLimitConfig;
import io.lionherd.concurrency.capacity.ConcurrencyLimitExceededException;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.RateLimitExceededException;
import io.lionherd.concurrency.ratelimit.RateLimiterBackendException;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Constraint;
import org.apache.tomcat.util.http.InvalidParameterException;

import org.springframework.beans.TypeMismatchException;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.method.ParameterValidationResult;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Answers errors as RFC 9457 {@code application/problem+json}. On top of Spring MVC's
 * defaults it makes a bad query parameter's 400 name the parameter, the value and what is
 * allowed, for both a constraint violation ({@code tasks=-1}) and a value of the wrong
 * type ({@code tasks=abc}), and lists them under {@code errors}:
 * <pre>{"detail":"Invalid query parameter 'tasks': must be an integer from 1 to 64 (got '-1')",
 *  "instance":"/api/parallel","status":400,"title":"Bad Request",
 *  "errors":[{"parameter":"tasks","value":"-1","message":"must be an integer from 1 to 64"}]}</pre>
 */
@RestControllerAdvice
public class ApiExceptionHandler extends ResponseEntityExceptionHandler {

	private final RateLimiterRegistry rateLimiterRegistry;

	private final ConcurrencyLimitRegistry concurrencyLimitRegistry;

	public ApiExceptionHandler(RateLimiterRegistry rateLimiterRegistry,
			ConcurrencyLimitRegistry concurrencyLimitRegistry) {
		this.rateLimiterRegistry = rateLimiterRegistry;
		this.concurrencyLimitRegistry = concurrencyLimitRegistry;
	}

	@Override
	protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		List<Map<String, Object>> errors = new ArrayList<>();
		for (ParameterValidationResult result : ex.getParameterValidationResults()) {
			String parameter = parameterName(result.getMethodParameter());
			List<String> messages = result.getResolvableErrors()
				.stream()
				.map(MessageSourceResolvable::getDefaultMessage)
				.distinct()
				.toList();
			for (String message : messages) {
				errors.add(error(parameter, rawValue(request, parameter, result.getArgument()), message));
			}
		}
		return badRequest(ex, errors, headers, status, request);
	}

	@Override
	protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException ex, HttpHeaders headers,
			HttpStatusCode status, WebRequest request) {
		String parameter = ex.getPropertyName();
		String message = "must be of type "
				+ ((ex.getRequiredType() != null) ? ex.getRequiredType().getSimpleName() : "unknown");
		if (ex instanceof MethodArgumentTypeMismatchException mismatch) {
			parameter = parameterName(mismatch.getParameter());
			message = allowedValues(mismatch.getParameter(), message);
		}
		List<Map<String, Object>> errors = List.of(error(parameter, String.valueOf(ex.getValue()), message));
		return badRequest(ex, errors, headers, status, request);
	}

	/**
	 * A full executor ({@code runSync} could not queue a task): the service is
	 * overloaded.
	 * @param ex the rejection
	 * @param request the current request
	 * @return a 503 problem
	 */
	@ExceptionHandler(RejectedExecutionException.class)
	ResponseEntity<Object> handleRejectedExecution(RejectedExecutionException ex, WebRequest request) {
		ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
				"The executor is saturated; try again later");
		body.setTitle("Too busy");
		return handleExceptionInternal(ex, body, new HttpHeaders(), HttpStatus.SERVICE_UNAVAILABLE, request);
	}

	/**
	 * No permit of a {@code @RateLimited} method's limiter within its timeout: 429 with
	 * {@code Retry-After} set to when the refused call could have been granted
	 * ({@link RateLimitExceededException#retryAfter()}, in whole seconds rounded up), or
	 * where the limiter does not say, to its period (at least 1 s), after which a permit
	 * is free again.
	 * @param ex the refusal, naming the limiter
	 * @param request the current request
	 * @return a 429 problem naming the limiter
	 */
	@ExceptionHandler(RateLimitExceededException.class)
	ResponseEntity<Object> handleRateLimitExceeded(RateLimitExceededException ex, WebRequest request) {
		RateLimiterConfig config = this.rateLimiterRegistry.get(ex.limiterName()).config();
		String within = (config.timeout() != null) ? " within " + config.timeout().toMillis() + " ms" : " in time";
		ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS,
				"No permit of rate limiter '" + ex.limiterName() + "'" + within + ": " + allowed(config));
		body.setTitle("Rate limit exceeded");
		body.setProperty("limiter", ex.limiterName());
		HttpHeaders headers = new HttpHeaders();
		long retryAfter = ex.retryAfter()
			.map(ApiExceptionHandler::wholeSecondsUp)
			.orElseGet(() -> Math.max(1, wholeSecondsUp(config.period())));
		headers.set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
		return handleExceptionInternal(ex, body, headers, HttpStatus.TOO_MANY_REQUESTS, request);
	}

	/**
	 * What the limiter allows, e.g. {@code at most 3 calls per 500 ms are allowed}, or
	 * {@code at most 20 calls and 2000 permits per 10000 ms are allowed}.
	 */
	static String allowed(RateLimiterConfig config) {
		List<Limit> limits = config.limits();
		if (limits.size() == 1 && !limits.get(0).countsCalls()) {
			return "at most " + limits.get(0).max() + " calls per " + limits.get(0).period().toMillis()
					+ " ms are allowed";
		}
		return "at most " + String.join(" and ",
				limits.stream()
					.map((limit) -> limit.max() + (limit.countsCalls() ? " calls" : " permits") + " per "
							+ limit.period().toMillis() + " ms")
					.toList())
				+ " are allowed";
	}

	/**
	 * A {@code Retry-After} in whole seconds, rounded up: retrying sooner would be
	 * refused.
	 */
	static long wholeSecondsUp(Duration duration) {
		long seconds = duration.getSeconds();
		return (duration.getNano() > 0) ? seconds + 1 : seconds;
	}

	/**
	 * No permit of a {@code @ConcurrencyLimited} method's concurrency limit within its
	 * timeout: 503 with {@code Retry-After: 1}. Not 429: the caller sent no more than it
	 * may (a concurrency limit is no quota of the client's); the service is at capacity
	 * for now, as with a saturated executor, and a running call usually ends within the
	 * second.
	 * @param ex the refusal, naming the limit
	 * @param request the current request
	 * @return a 503 problem naming the limit
	 */
	@ExceptionHandler(ConcurrencyLimitExceededException.class)
	ResponseEntity<Object> handleConcurrencyLimitExceeded(ConcurrencyLimitExceededException ex, WebRequest request) {
		ConcurrencyLimitConfig config = this.concurrencyLimitRegistry.get(ex.name()).config();
		String within = (config.timeout() != null) ? " within " + config.timeout().toMillis() + " ms" : " in time";
		ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
				"No permit of concurrency limit '" + ex.name() + "'" + within + ": at most " + config.total()
						+ " calls run at once; try again later");
		body.setTitle("Concurrency limit reached");
		body.setProperty("limit", ex.name());
		HttpHeaders headers = new HttpHeaders();
		headers.set(HttpHeaders.RETRY_AFTER, "1");
		return handleExceptionInternal(ex, body, headers, HttpStatus.SERVICE_UNAVAILABLE, request);
	}

	/**
	 * The limiter's backend (Redis, with the {@code redis} profile) could not decide
	 * (unreachable, an error reply, another instance's definition of the limit), and the
	 * limiter refuses: the service is unavailable for now, not the caller's fault.
	 * @param ex the backend failure
	 * @param request the current request
	 * @return a 503 problem
	 */
	@ExceptionHandler(RateLimiterBackendException.class)
	ResponseEntity<Object> handleRateLimiterBackend(RateLimiterBackendException ex, WebRequest request) {
		ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
				"The limiter's backend could not decide (unreachable, or it refused this limiter: the server "
						+ "log says why), and it grants no permit without it; try again later");
		// Rate limiters and concurrency limits on Redis fail alike.
		body.setTitle("Limiter unavailable");
		HttpHeaders headers = new HttpHeaders();
		headers.set(HttpHeaders.RETRY_AFTER, "1");
		return handleExceptionInternal(ex, body, headers, HttpStatus.SERVICE_UNAVAILABLE, request);
	}

	/**
	 * Query parameters rejected before binding: undecodable percent-encoding, a repeated
	 * parameter, a number that is not a plain decimal (see
	 * {@link QueryParameterInterceptor}). Logged on one line at DEBUG: the answer says it
	 * all, and such requests are cheap to send in bulk.
	 * @param ex the rejection
	 * @param request the current request
	 * @return a 400 problem naming each parameter
	 */
	@ExceptionHandler(InvalidQueryParameterException.class)
	ResponseEntity<Object> handleInvalidQueryParameter(InvalidQueryParameterException ex, WebRequest request) {
		logger.debug("Rejected query parameters: " + ex.getMessage());
		List<Map<String, Object>> errors = new ArrayList<>();
		for (InvalidQueryParameterException.Invalid invalid : ex.invalid()) {
			Object value = (invalid.values().size() == 1) ? invalid.values().get(0) : invalid.values();
			errors.add(error(invalid.parameter(), value, invalid.message()));
		}
		return badRequest(ex, errors, new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
	}

	/**
	 * Tomcat could not decode the parameters of a request that
	 * {@link QueryParameterInterceptor} did not check first (an actuator endpoint, say).
	 * Spring MVC would let it escape to the container, which logs it at ERROR with a
	 * stack trace; here it is a 400 problem naming the parameters, logged on one line at
	 * DEBUG.
	 * @param ex Tomcat's exception from {@code getParameter}
	 * @param request the current request
	 * @return a 400 problem
	 */
	@ExceptionHandler(InvalidParameterException.class)
	ResponseEntity<Object> handleUndecodableParameters(InvalidParameterException ex, WebRequest request) {
		List<Map<String, Object>> errors = new ArrayList<>();
		if (request instanceof NativeWebRequest nativeRequest
				&& nativeRequest.getNativeRequest() instanceof HttpServletRequest servletRequest) {
			for (InvalidQueryParameterException.Invalid invalid : QueryString
				.malformed(QueryString.parse(servletRequest.getQueryString()))) {
				Object value = (invalid.values().size() == 1) ? invalid.values().get(0) : invalid.values();
				errors.add(error(invalid.parameter(), value, invalid.message()));
			}
		}
		// not ex.getMessage(): it quotes the decoded value, which may hold line breaks
		logger.debug("Undecodable request parameters "
				+ errors.stream().map((error) -> QueryString.printable((String) error.get("parameter"))).toList());
		return badRequest(ex, errors, new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
	}

	private ResponseEntity<Object> badRequest(Exception ex, List<Map<String, Object>> errors, HttpHeaders headers,
			HttpStatusCode status, WebRequest request) {
		String detail = String.join("; ",
				errors.stream()
					.map((error) -> "Invalid query parameter '" + error.get("parameter") + "': " + error.get("message")
							+ " (got " + quoted(error.get("value")) + ")")
					.toList());
		ProblemDetail body = ProblemDetail.forStatusAndDetail(status,
				detail.isEmpty() ? "Invalid request parameters" : detail);
		body.setProperty("errors", errors);
		return handleExceptionInternal(ex, body, headers, status, request);
	}

	/** The value as sent, such as {@code -1} rather than the converted {@code -1.0}. */
	private static String rawValue(WebRequest request, String parameter, Object converted) {
		String raw = request.getParameter(parameter);
		return (raw != null) ? raw : String.valueOf(converted);
	}

	/** {@code 'a'}, or {@code 'a', 'b'} for a repeated parameter's values. */
	private static String quoted(Object value) {
		if (value instanceof List<?> values) {
			return String.join(", ", values.stream().map((each) -> "'" + each + "'").toList());
		}
		return "'" + value + "'";
	}

	private static Map<String, Object> error(String parameter, Object value, String message) {
		Map<String, Object> error = new LinkedHashMap<>();
		error.put("parameter", parameter);
		error.put("value", value);
		error.put("message", message);
		return error;
	}

	/**
	 * The query parameter's name: {@code @RequestParam}'s name, else the Java
	 * parameter's.
	 */
	static String parameterName(MethodParameter parameter) {
		RequestParam requestParam = parameter.getParameterAnnotation(RequestParam.class);
		if (requestParam != null && !requestParam.name().isEmpty()) {
			return requestParam.name();
		}
		String name = parameter.getParameterName();
		return (name != null) ? name : "argument " + parameter.getParameterIndex();
	}

	/**
	 * What the parameter allows, taken from the message of its first Bean Validation
	 * constraint (the controllers spell it out, e.g. "must be an integer from 1 to 64"),
	 * so a value of the wrong type is explained like an out-of-range one.
	 */
	static String allowedValues(MethodParameter parameter, String fallback) {
		for (Annotation annotation : parameter.getParameterAnnotations()) {
			if (annotation.annotationType().isAnnotationPresent(Constraint.class)
					&& AnnotationUtils.getValue(annotation, "message") instanceof String message
					&& !message.startsWith("{")) {
				return message;
			}
		}
		return fallback;
	}

}
