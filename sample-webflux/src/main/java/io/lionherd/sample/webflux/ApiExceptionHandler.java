package io.lionherd.sample.webflux;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lionherd.concurrency.ratelimit.RateLimitExceededException;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Answers the sample's own errors as RFC 9457 {@code application/problem+json}, as the
 * servlet sample does (Spring WebFlux answers its own, such as a 404, with
 * {@code spring.webflux.problemdetails.enabled}):
 * <pre>{"detail":"No permit of rate limiter 'reactive-quotes' within 0 ms: at most 5 calls per 500 ms are allowed",
 *  "instance":"/api/reactive-quote","status":429,"title":"Rate limit exceeded","limiter":"reactive-quotes"}</pre>
 */
@RestControllerAdvice
public class ApiExceptionHandler {

	private final RateLimiterRegistry rateLimiterRegistry;

	public ApiExceptionHandler(RateLimiterRegistry rateLimiterRegistry) {
		this.rateLimiterRegistry = rateLimiterRegistry;
	}

	/**
	 * No permit of a {@code @RateLimited} method's limiter within its timeout: 429 with
	 * {@code Retry-After} set to when the refused call could have been granted
	 * ({@link RateLimitExceededException#retryAfter()}, in whole seconds rounded up), or
	 * where the limiter does not say, to its period (at least 1 s), after which a permit
	 * is free again.
	 * @param ex the refusal, naming the limiter
	 * @return a 429 problem naming the limiter
	 */
	@ExceptionHandler(RateLimitExceededException.class)
	ResponseEntity<ProblemDetail> handleRateLimitExceeded(RateLimitExceededException ex) {
		RateLimiterConfig config = this.rateLimiterRegistry.get(ex.limiterName()).config();
		String within = (config.timeout() != null) ? " within " + config.timeout().toMillis() + " ms" : " in time";
		ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS,
				"No permit of rate limiter '" + ex.limiterName() + "'" + within + ": at most "
						+ config.limits().get(0).max() + " calls per " + config.limits().get(0).period().toMillis()
						+ " ms are allowed");
		body.setTitle("Rate limit exceeded");
		body.setProperty("limiter", ex.limiterName());
		long retryAfter = ex.retryAfter()
			.map(ApiExceptionHandler::wholeSecondsUp)
			.orElseGet(() -> Math.max(1, wholeSecondsUp(config.period())));
		return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
			.header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter))
			.body(body);
	}

	/**
	 * A query parameter that is missing or not allowed: 400 naming the parameter, the
	 * value and what is allowed, also listed under {@code errors}.
	 * @param ex the rejection
	 * @return a 400 problem
	 */
	@ExceptionHandler(InvalidQueryParameterException.class)
	ResponseEntity<ProblemDetail> handleInvalidQueryParameter(InvalidQueryParameterException ex) {
		ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, ex.getMessage());
		Map<String, Object> error = new LinkedHashMap<>();
		error.put("parameter", ex.parameter());
		error.put("value", ex.value());
		error.put("message", ex.allowed());
		body.setProperty("errors", List.of(error));
		return ResponseEntity.badRequest().body(body);
	}

	/**
	 * A {@code Retry-After} in whole seconds, rounded up: retrying sooner would be
	 * refused.
	 */
	static long wholeSecondsUp(Duration duration) {
		long seconds = duration.getSeconds();
		return (duration.getNano() > 0) ? seconds + 1 : seconds;
	}

}
