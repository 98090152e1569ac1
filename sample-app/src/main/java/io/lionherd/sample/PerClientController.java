package io.lionherd.sample;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Limits per client over HTTP: {@code GET /api/per-client} is limited by the starter's
 * rate-limit filter, not by this controller. The rule in {@code application.yml}
 * ({@code lionherd.concurrency.http.rules}) gives each {@code X-Api-Key} its own quota of
 * the limiter {@code per-client} (5 requests per 10 s); the filter answers the RateLimit
 * fields on every answer, and 429 with {@code Retry-After} once a key's quota is spent,
 * before this method is called. A request without the header is answered 400.
 */
@RestController
public class PerClientController {

	/**
	 * Answers which client was served.
	 * @param apiKey the client's key, the one the filter counted
	 * @return the client's key and the limiter that counted it
	 */
	@GetMapping(path = "/api/per-client", produces = MediaType.APPLICATION_JSON_VALUE)
	Served perClient(@RequestHeader("X-Api-Key") String apiKey) {
		return new Served(apiKey, "per-client");
	}

	/**
	 * The answer.
	 *
	 * @param client the client's key
	 * @param limiter the limiter whose quota the request spent
	 */
	record Served(String client, String limiter) {
	}

}
