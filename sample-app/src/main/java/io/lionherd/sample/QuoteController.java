package io.lionherd.sample;

import java.util.concurrent.CompletableFuture;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * {@code GET /api/quote}: the annotated counterpart of {@code GET /api/rate-limited},
 * served by {@link QuoteService#quote()}
 * ({@code @RateLimited("sample") @Monitored("quote")}). A request abandoned while it
 * waits for its permit cancels the service's future, which gives up its place in the
 * limiter's queue.
 */
@RestController
public class QuoteController {

	private final QuoteService quoteService;

	public QuoteController(QuoteService quoteService) {
		this.quoteService = quoteService;
	}

	/**
	 * The next quote, when the limiter allows it.
	 * @return {@code {"number":..,"quote":..,"atSeconds":..}}, or HTTP 429 with
	 * {@code Retry-After} if no permit came within the limiter's timeout
	 */
	@GetMapping(path = "/api/quote", produces = MediaType.APPLICATION_JSON_VALUE)
	public DeferredResult<QuoteService.Quote> quote() {
		CompletableFuture<QuoteService.Quote> quote = this.quoteService.quote();
		return AbandonableResults.cancelledWhenAbandoned(quote);
	}

}
