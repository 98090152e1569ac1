package io.lionherd.sample;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.RateLimiter;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The rate-limiter recipe: every request takes a permit from the sample's {@link RateLimiter}
 * ({@code sample.rate-limiter.max-calls} per {@code sample.rate-limiter.period}), waiting up to
 * {@code sample.rate-limiter.timeout} for one. Waiting holds no thread: the answer is a
 * {@link CompletableFuture} completed when the permit is granted.
 */
@RestController
public class RateLimitedController {

	private final AsyncUtils asyncUtils;

	private final RateLimiter rateLimiter;

	private final RateLimiterProperties properties;

	/** The monotonic-clock reading taken while the application starts: {@code atSeconds} zero. */
	private final double origin;

	public RateLimitedController(AsyncUtils asyncUtils, RateLimiter rateLimiter, RateLimiterProperties properties) {
		this.asyncUtils = asyncUtils;
		this.rateLimiter = rateLimiter;
		this.properties = properties;
		this.origin = asyncUtils.currentTime();
	}

	/**
	 * Takes a permit, waiting for one if needed.
	 * <p>
	 * {@code atSeconds} is when the permit was granted, in seconds on the monotonic clock since the
	 * application started (this controller's creation during startup). For a permit granted at
	 * once it is the moment the request asked (just before the grant); for a permit that had to
	 * wait, the moment the wait ended (just after the grant). Either way two grants that the
	 * limiter keeps one {@code period} apart are reported at least one {@code period} apart.
	 * @return {@code {"granted":true,"atSeconds":...}}, or HTTP 429 if no permit came within the
	 * timeout
	 */
	@GetMapping(path = "/api/rate-limited", produces = MediaType.APPLICATION_JSON_VALUE)
	public CompletableFuture<Grant> rateLimited() {
		double asked = secondsSinceStart();
		CompletableFuture<Void> permit = this.rateLimiter.acquire(this.properties.timeout());
		if (permit.isDone() && !permit.isCompletedExceptionally()) {
			return CompletableFuture.completedFuture(new Grant(true, Problems.micros(asked)));
		}
		return permit.handle((ignored, error) -> {
			if (error == null) {
				return new Grant(true, Problems.micros(secondsSinceStart()));
			}
			if (Problems.unwrap(error) instanceof TimeoutException) {
				throw tooManyRequests(error);
			}
			throw Problems.rethrow(error);
		});
	}

	private double secondsSinceStart() {
		return this.asyncUtils.currentTime() - this.origin;
	}

	private ErrorResponseException tooManyRequests(Throwable cause) {
		ErrorResponseException problem = Problems.problem(HttpStatus.TOO_MANY_REQUESTS, "Rate limit exceeded",
				"No permit within " + this.properties.timeout().toMillis() + " ms: at most "
						+ this.properties.maxCalls() + " calls per " + this.properties.period().toMillis()
						+ " ms are allowed",
				cause);
		long retryAfter = Math.max(1, (long) Math.ceil(this.properties.period().toMillis() / 1000d));
		problem.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
		return problem;
	}

	/**
	 * The answer of {@code GET /api/rate-limited}.
	 * @param granted always {@code true} (a refusal is an HTTP 429 problem)
	 * @param atSeconds when the permit was granted, in seconds since the application started
	 */
	public record Grant(boolean granted, double atSeconds) {
	}

}
