package io.lionherd.sample.webflux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/reactive-quote} and {@code GET /api/ping} over a real port, with the
 * sample's own configuration.
 */
@ExtendWith(BlockHoundInstalled.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class ReactiveQuoteEndpointTests {

	@Autowired
	private WebTestClient client;

	@Test
	void aRequestIsAnsweredWithTheQuoteOfItsSymbol() {
		ReactiveQuoteService.Quote quote = this.client.get()
			.uri("/api/reactive-quote?symbol=brk.b")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectBody(ReactiveQuoteService.Quote.class)
			.returnResult()
			.getResponseBody();
		assertThat(quote).isNotNull();
		assertThat(quote.symbol()).isEqualTo("BRK.B");
		assertThat(quote.price()).isBetween(10.0, 1000.0);
		assertThat(quote.number()).isPositive();
		assertThat(quote.grantedAtSeconds()).isPositive();
	}

	@Test
	void aBlankSymbolIsABadRequestThatSaysWhatIsAllowed() {
		this.client.get()
			.uri("/api/reactive-quote?symbol=")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("Invalid query parameter 'symbol': must be 1 to 10 letters, digits or dots, such as AAPL or "
					+ "BRK.B (got '')")
			.jsonPath("$.instance")
			.isEqualTo("/api/reactive-quote")
			.jsonPath("$.errors[0].parameter")
			.isEqualTo("symbol")
			.jsonPath("$.errors[0].value")
			.isEqualTo("");
	}

	@Test
	void aMissingSymbolIsABadRequestThatSaysItIsMissing() {
		this.client.get()
			.uri("/api/reactive-quote")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("Invalid query parameter 'symbol': must be 1 to 10 letters, digits or dots, such as AAPL or "
					+ "BRK.B (missing)");
	}

	@Test
	void aSymbolWithOtherCharactersIsABadRequest() {
		this.client.get()
			.uri("/api/reactive-quote?symbol={symbol}", "AAPL;DROP")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].value")
			.isEqualTo("AAPL;DROP");
	}

	@Test
	void pingAnswersOk() {
		this.client.get()
			.uri("/api/ping")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("ok");
	}

	@Test
	void eachQuoteIsTimedByTheMonitor() {
		this.client.get().uri("/api/reactive-quote?symbol=AAPL").exchange().expectStatus().isOk();
		this.client.get()
			.uri("/actuator/metrics/lionherd.monitor?tag=name:reactive-quote&tag=outcome:success")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.measurements[?(@.statistic == 'COUNT')].value")
			.value((counts) -> assertThat(counts.toString()).isNotEqualTo("[0.0]"));
	}

}
