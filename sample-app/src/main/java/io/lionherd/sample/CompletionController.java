package io.lionherd.sample;

import java.util.concurrent.CompletableFuture;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * {@code GET /api/completion?tokens=N}: a call of a simulated provider whose quota counts
 * requests and tokens, served by {@link CompletionService#complete(int)}
 * ({@code @RateLimited(value = "provider", permits = "#tokens")}). A request abandoned
 * while it waits for its permits cancels the service's future, which gives up its place
 * in the limiter's queue and charges nothing.
 */
@RestController
public class CompletionController {

	static final String TOKENS_ALLOWED = "must be an integer from 1 to 2000";

	private final CompletionService completionService;

	public CompletionController(CompletionService completionService) {
		this.completionService = completionService;
	}

	/**
	 * A completion of {@code tokens} tokens, when the provider's quota allows it.
	 * @param tokens the tokens asked for, 1 to 2000 (the quota's tokens per window: a
	 * larger request could never be granted)
	 * @return {@code {"number":..,"tokens":..,"text":..,"atSeconds":..}}, HTTP 429 with
	 * {@code Retry-After} if the quota has no room within the limiter's timeout, or 400
	 * for a bad {@code tokens}
	 */
	@GetMapping(path = "/api/completion", produces = MediaType.APPLICATION_JSON_VALUE)
	public DeferredResult<CompletionService.Completion> completion(@RequestParam @Min(value = 1,
			message = TOKENS_ALLOWED) @Max(value = 2000, message = TOKENS_ALLOWED) int tokens) {
		CompletableFuture<CompletionService.Completion> completion = this.completionService.complete(tokens);
		return AbandonableResults.cancelledWhenAbandoned(completion);
	}

}
