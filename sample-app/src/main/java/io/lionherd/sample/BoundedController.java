package io.lionherd.sample;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * {@code GET /api/bounded?n=N}: {@code N} calls of a simulated provider, all started at
 * once through {@link BoundedService#call} ({@code @ConcurrencyLimited("bounded")}), of
 * which at most the limit's {@code total} run at any moment; the others wait for a permit
 * holding no thread. The answer tells the most that ran at once. A request abandoned
 * before its calls are done (async request timeout, a container-reported error) cancels
 * them: a waiting call gives up its place, a running one ends and frees its permit.
 */
@RestController
public class BoundedController {

	static final String N_ALLOWED = "must be an integer from 1 to 20";

	private final BoundedService boundedService;

	private final AsyncUtils asyncUtils;

	private final int total;

	public BoundedController(BoundedService boundedService, AsyncUtils asyncUtils, ConcurrencyLimitRegistry limits) {
		this.boundedService = boundedService;
		this.asyncUtils = asyncUtils;
		this.total = limits.get(BoundedService.LIMIT_NAME).config().total();
	}

	/**
	 * Makes {@code n} provider calls of 100 ms each under the limit.
	 * @param n how many calls, 1 to 20 (20 calls, 2 at a time, take 1 s: within the
	 * limit's 2 s timeout when the request has the limit to itself)
	 * @return {@code {"n":..,"total":..,"maxInFlight":..,"elapsedSeconds":..}}, 503 if a
	 * call got no permit within the limit's timeout, or 400 for a bad {@code n}
	 */
	@GetMapping(path = "/api/bounded", produces = MediaType.APPLICATION_JSON_VALUE)
	public DeferredResult<BoundedResponse> bounded(@RequestParam(defaultValue = "6") @Min(value = 1,
			message = N_ALLOWED) @Max(value = 20, message = N_ALLOWED) int n) {
		double start = this.asyncUtils.currentTime();
		BoundedService.InFlight inFlight = new BoundedService.InFlight();
		List<CompletableFuture<Void>> calls = IntStream.range(0, n)
			.mapToObj((i) -> this.boundedService.call(inFlight))
			.toList();
		// the first failure (a call without a permit in time) cancels the other calls
		CompletableFuture<BoundedResponse> answer = this.asyncUtils.gather(calls).handle((done, error) -> {
			if (error != null) {
				throw Problems.rethrow(error);
			}
			return new BoundedResponse(n, this.total, inFlight.max(),
					Problems.micros(this.asyncUtils.currentTime() - start));
		});
		// Abandoned, the last calls are cancelled first: they are the ones waiting, and
		// cancelling a running call first would hand its permit to a waiting one,
		// which would then be made for nobody before its own cancel.
		List<CompletableFuture<Void>> lastFirst = new ArrayList<>(calls);
		Collections.reverse(lastFirst);
		return AbandonableResults.cancelledWhenAbandoned(answer, lastFirst.toArray(Future<?>[]::new));
	}

	/**
	 * The answer of {@code GET /api/bounded}.
	 *
	 * @param n the calls made
	 * @param total the limit's total: the most calls allowed at once
	 * @param maxInFlight the most calls of this request that ran at once, at most
	 * {@code total}
	 * @param elapsedSeconds the time from the request to its last call's end: about
	 * {@code ceil(n / total)} calls of 0.1 s back to back
	 */
	public record BoundedResponse(int n, int total, int maxInFlight, double elapsedSeconds) {
	}

}
