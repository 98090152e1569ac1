package io.lionherd.sample;

import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /api/quote}, served by the annotated {@link QuoteService} with the shipped
 * {@code application.yml}: the method runs behind the limiter {@code sample} and is
 * recorded as the {@code lionherd.monitor} timer {@code quote}.
 */
@SampleAppTest
class QuoteEndpointTests {

	@LocalServerPort
	int port;

	@Autowired
	QuoteService quoteService;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void quoteIsServedByTheAnnotatedService() {
		assertThat(AopUtils.isAopProxy(this.quoteService)).as("the service is proxied").isTrue();

		Api.Response response = this.api.get("/api/quote");

		assertThat(response.status()).isEqualTo(200);
		JsonNode quote = response.json();
		assertThat(quote.get("number").asLong()).isPositive();
		assertThat(quote.get("quote").asString()).isNotBlank();
		assertThat(quote.get("atSeconds").asDouble()).isPositive();
	}

	@Test
	void quoteIsCountedAsARetryOfThePolicyQuote() {
		assertThat(this.api.get("/api/quote").status()).isEqualTo(200);

		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			Api.Response response = this.api
				.get("/actuator/metrics/lionherd.retry.calls?tag=name:quote&tag=kind:successful_without_retry");
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.json().get("measurements").get(0).get("value").asDouble()).isGreaterThanOrEqualTo(1.0);
		});
	}

	@Test
	void quoteIsRecordedAsAnAsyncMonitorTimer() {
		assertThat(this.api.get("/api/quote").status()).isEqualTo(200);

		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			Api.Response response = this.api.get("/actuator/metrics/lionherd.monitor"
					+ "?tag=name:quote&tag=type:async&tag=outcome:success&tag=exception:none");
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.json().get("measurements").get(0).get("value").asDouble()).isGreaterThanOrEqualTo(1.0);
		});
	}

}
