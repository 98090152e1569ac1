package io.lionherd.sample;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/rate-limited} when no permit comes in time: one permit an hour, and a
 * 100 ms wait at most.
 */
@SampleAppTest(properties = { "lionherd.concurrency.rate-limiters.sample.max-calls=1",
		"lionherd.concurrency.rate-limiters.sample.period=1h",
		"lionherd.concurrency.rate-limiters.sample.timeout=100ms" })
class RateLimitTimeoutTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void aCallThatGetsNoPermitInTimeIsAnswered429WithAProblem() {
		this.api.get("/api/rate-limited"); // takes the hour's only permit, if no test did
											// yet

		Api.Response response = this.api.get("/api/rate-limited");

		assertThat(response.status()).isEqualTo(429);
		assertThat(response.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue();
		JsonNode problem = response.json();
		assertThat(problem.get("status").asInt()).isEqualTo(429);
		assertThat(problem.get("title").asString()).isEqualTo("Rate limit exceeded");
		assertThat(problem.get("detail").asString())
			.isEqualTo("No permit within 100 ms: at most 1 calls per 3600000 ms are allowed");
		assertThat(problem.get("instance").asString()).isEqualTo("/api/rate-limited");
		assertThat(response.headers().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("3600");
	}

}
