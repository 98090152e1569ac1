package io.lionherd.sample.webflux;

import java.util.Locale;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/reactive-quote?symbol=..}, served by
 * {@link ReactiveQuoteService#quote(String)}; and {@code GET /api/ping}, which no limiter
 * stands in front of: it answers at once however many quote requests wait.
 */
@RestController
public class ReactiveQuoteController {

	/** What a symbol may be: 1 to 10 letters, digits or dots, such as AAPL or BRK.B. */
	private static final Pattern SYMBOL = Pattern.compile("[A-Za-z0-9.]{1,10}");

	static final String SYMBOL_ALLOWED = "must be 1 to 10 letters, digits or dots, such as AAPL or BRK.B";

	private final ReactiveQuoteService quotes;

	public ReactiveQuoteController(ReactiveQuoteService quotes) {
		this.quotes = quotes;
	}

	/**
	 * The quote for a symbol, when the limiter allows it. The event loop that read the
	 * request is free again as soon as this returns; the answer is written when the
	 * permit is granted and the provider answered.
	 * @param symbol the instrument
	 * @return {@code {"symbol":..,"price":..,"number":..,"grantedAtSeconds":..}}, or HTTP
	 * 429 with {@code Retry-After} if no permit came within the limiter's timeout, or 400
	 * for a missing or malformed symbol
	 */
	@GetMapping(path = "/api/reactive-quote", produces = MediaType.APPLICATION_JSON_VALUE)
	public Mono<ReactiveQuoteService.Quote> quote(@RequestParam(required = false) @Nullable String symbol) {
		if (symbol == null || !SYMBOL.matcher(symbol).matches()) {
			return Mono.error(new InvalidQueryParameterException("symbol", symbol, SYMBOL_ALLOWED));
		}
		return this.quotes.quote(symbol.toUpperCase(Locale.ROOT));
	}

	/**
	 * An endpoint no limiter stands in front of.
	 * @return {@code {"status":"ok"}}
	 */
	@GetMapping(path = "/api/ping", produces = MediaType.APPLICATION_JSON_VALUE)
	public Mono<Pong> ping() {
		return Mono.just(Pong.OK);
	}

	/**
	 * The answer of {@code GET /api/ping}.
	 *
	 * @param status always {@code ok}
	 */
	public record Pong(String status) {

		static final Pong OK = new Pong("ok");

	}

}
