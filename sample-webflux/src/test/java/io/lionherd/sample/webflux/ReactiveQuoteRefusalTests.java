package io.lionherd.sample.webflux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A refusal of the limiter: with 1 permit per 10 s and no wait, a second request in the
 * window is answered 429 problem+json, with {@code Retry-After} saying when the permit
 * frees.
 */
@ExtendWith(BlockHoundInstalled.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "lionherd.concurrency.rate-limiters.reactive-quotes.max-calls=1",
				"lionherd.concurrency.rate-limiters.reactive-quotes.period=10s",
				"lionherd.concurrency.rate-limiters.reactive-quotes.timeout=0" })
@AutoConfigureWebTestClient
class ReactiveQuoteRefusalTests {

	@Autowired
	private WebTestClient client;

	@Test
	void aRequestBeyondTheLimitIsRefusedWith429AndRetryAfter() {
		this.client.get().uri("/api/reactive-quote?symbol=AAPL").exchange().expectStatus().isOk();

		this.client.get()
			.uri("/api/reactive-quote?symbol=AAPL")
			.exchange()
			.expectStatus()
			.isEqualTo(429)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectHeader()
			.value(HttpHeaders.RETRY_AFTER, (retryAfter) -> assertThat(Long.parseLong(retryAfter)).isBetween(1L, 10L))
			.expectBody()
			.jsonPath("$.title")
			.isEqualTo("Rate limit exceeded")
			.jsonPath("$.limiter")
			.isEqualTo("reactive-quotes")
			.jsonPath("$.detail")
			.isEqualTo("No permit of rate limiter 'reactive-quotes' within 0 ms: at most 1 calls per 10000 ms are "
					+ "allowed")
			.jsonPath("$.instance")
			.isEqualTo("/api/reactive-quote");
	}

}
