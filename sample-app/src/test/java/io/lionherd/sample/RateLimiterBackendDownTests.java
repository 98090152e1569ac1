package io.lionherd.sample;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code redis} profile with no Redis server to reach (port 1 refuses at once): the
 * limiter fails closed and {@code GET /api/rate-limited} answers 503 with a problem,
 * within the command timeout, never a 500.
 */
@SampleAppTest(properties = { "spring.profiles.active=redis", "spring.data.redis.port=1",
		"spring.data.redis.timeout=300ms", "lionherd.concurrency.rate-limiters.sample.timeout=5s" })
class RateLimiterBackendDownTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void anUnreachableBackendIsAnswered503WithAProblem() {
		Api.Response response = this.api.get("/api/rate-limited");

		assertThat(response.status()).isEqualTo(503);
		assertThat(response.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue();
		JsonNode problem = response.json();
		assertThat(problem.get("title").asString()).isEqualTo("Limiter unavailable");
		assertThat(problem.get("instance").asString()).isEqualTo("/api/rate-limited");
		assertThat(response.headers().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
	}

}
