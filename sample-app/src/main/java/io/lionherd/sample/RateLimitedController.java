package io.lionherd.sample;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.Stages;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * The rate-limiter recipe: every request takes a permit from the sample's
 * {@link RateLimiter} (the starter's limiter {@code sample}: {@code max-calls} per
 * {@code period}, set under {@code lionherd.concurrency.rate-limiters.sample}), waiting
 * up to its {@code timeout} for one. Waiting holds no thread: the answer is a
 * {@link DeferredResult} completed when the permit is granted. A request abandoned while
 * it waits (async request timeout, container-reported error) cancels its {@code acquire},
 * which gives up its place in the queue and consumes no permit.
 */
@RestController
public class RateLimitedController {

	private final AsyncUtils asyncUtils;

	private final RateLimiter rateLimiter;

	/**
	 * The monotonic-clock reading taken while the application starts: time zero of the
	 * answers.
	 */
	private final double origin;

	public RateLimitedController(AsyncUtils asyncUtils, RateLimiter rateLimiter) {
		this.asyncUtils = asyncUtils;
		this.rateLimiter = rateLimiter;
		this.origin = asyncUtils.currentTime();
	}

	/**
	 * Takes a permit, waiting for one if needed, up to the limiter's configured timeout.
	 * <p>
	 * The limiter records each grant's exact time but does not hand it out (its public
	 * API has no grant time), so the answer brackets it with two readings of the
	 * monotonic clock, in seconds since the application started (this controller's
	 * creation during startup): {@code requestedAtSeconds}, read just before asking, is
	 * at or before the grant, and {@code atSeconds}, read when the controller sees the
	 * permit (just after {@code acquire} returns for a permit granted at once, in the
	 * permit's completion callback for one that had to wait), is at or after it.
	 * {@code atSeconds} is late by the time the grant takes to reach the callback:
	 * microseconds usually, but unbounded under load (the limiter completes the waiters
	 * granted at one instant one after another, on a wake-up thread that may itself wait
	 * for a CPU). So the limiter's rule shows as: among any {@code max-calls + 1}
	 * answers, the latest {@code atSeconds} is at least one {@code period} after the
	 * earliest {@code requestedAtSeconds}; two {@code atSeconds} alone may be closer than
	 * a period.
	 * @return {@code {"granted":true,"requestedAtSeconds":...,"atSeconds":...}}, or HTTP
	 * 429 if no permit came within the timeout
	 */
	@GetMapping(path = "/api/rate-limited", produces = MediaType.APPLICATION_JSON_VALUE)
	public DeferredResult<Grant> rateLimited() {
		double requested = secondsSinceStart();
		CompletableFuture<Void> permit = this.rateLimiter.acquire();
		CompletableFuture<Grant> answer = permit.handle((ignored, error) -> {
			if (error == null) {
				return new Grant(true, Math.floor(requested * 1e6) / 1e6, Math.ceil(secondsSinceStart() * 1e6) / 1e6);
			}
			if (Stages.unwrap(error) instanceof TimeoutException) {
				throw tooManyRequests(error);
			}
			throw Problems.rethrow(error);
		});
		return AbandonableResults.cancelledWhenAbandoned(answer, permit);
	}

	private double secondsSinceStart() {
		return this.asyncUtils.currentTime() - this.origin;
	}

	private ErrorResponseException tooManyRequests(Throwable cause) {
		// Only a configured timeout makes acquire() fail with a TimeoutException, so it
		// is set here.
		RateLimiterConfig config = this.rateLimiter.config();
		ErrorResponseException problem = Problems.problem(HttpStatus.TOO_MANY_REQUESTS, "Rate limit exceeded",
				"No permit within " + config.timeout().toMillis() + " ms: at most " + config.maxCalls() + " calls per "
						+ config.period().toMillis() + " ms are allowed",
				cause);
		long retryAfter = Math.max(1, (long) Math.ceil(config.period().toMillis() / 1000d));
		problem.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
		return problem;
	}

	/**
	 * The answer of {@code GET /api/rate-limited}; times in seconds since the application
	 * started, in microseconds, rounded outwards so the bracket stays true (see
	 * {@link #rateLimited()} for what they bracket).
	 *
	 * @param granted always {@code true} (a refusal is an HTTP 429 problem)
	 * @param requestedAtSeconds just before the permit was asked for: at or before the
	 * grant
	 * @param atSeconds when the controller saw the permit: at or after the grant
	 */
	public record Grant(boolean granted, double requestedAtSeconds, double atSeconds) {
	}

}
