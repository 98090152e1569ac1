package io.lionherd.sample;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/completion?tokens=N} with the sample's {@code provider} limiter from
 * {@code application.yml}: a call takes its tokens as permits.
 */
@SampleAppTest
class CompletionEndpointTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void completionIsServedWithTheTokensAskedFor() {
		Api.Response response = this.api.get("/api/completion?tokens=5");

		assertThat(response.status()).as(response.body()).isEqualTo(200);
		assertThat(response.contentType().isCompatibleWith(MediaType.APPLICATION_JSON)).isTrue();
		JsonNode completion = response.json();
		assertThat(completion.get("tokens").asInt()).isEqualTo(5);
		assertThat(completion.get("number").asLong()).isPositive();
		assertThat(completion.get("text").asString()).isNotBlank();
	}

	@Test
	void missingTokensIsAnswered400NamingTheParameter() {
		Api.Response response = this.api.get("/api/completion");

		assertThat(response.status()).as(response.body()).isEqualTo(400);
		assertThat(response.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue();
		assertThat(response.json().get("detail").asString()).contains("'tokens'");
	}

}
