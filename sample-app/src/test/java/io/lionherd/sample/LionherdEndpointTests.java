package io.lionherd.sample;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /actuator/lionherd} describes the sample's limiter from {@code application.yml}.
 */
@SampleAppTest
class LionherdEndpointTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void listsTheSampleLimiterWithItsConfiguration() {
		Api.Response response = this.api.get("/actuator/lionherd");

		assertThat(response.status()).isEqualTo(200);
		JsonNode limiters = response.json().get("rateLimiters");
		assertThat(limiters.valueStream().map((limiter) -> limiter.get("name").asString())).containsExactly("sample");
		assertSample(limiters.get(0));
	}

	@Test
	void answersOneLimiterByName() {
		Api.Response response = this.api.get("/actuator/lionherd/ratelimiters/sample");

		assertThat(response.status()).isEqualTo(200);
		assertSample(response.json());
	}

	@Test
	void unknownLimiterIsNotFound() {
		assertThat(this.api.get("/actuator/lionherd/ratelimiters/nope").status()).isEqualTo(404);
	}

	@Test
	void unknownKindOfLimiterIsNotFound() {
		assertThat(this.api.get("/actuator/lionherd/bulkheads/sample").status()).isEqualTo(404);
	}

	private static void assertSample(JsonNode limiter) {
		assertThat(limiter.propertyNames()).containsExactlyInAnyOrder("name", "backend", "maxCalls", "period",
				"availablePermits", "waiting");
		assertThat(limiter.get("name").asString()).isEqualTo("sample");
		assertThat(limiter.get("backend").asString()).isEqualTo("local");
		assertThat(limiter.get("maxCalls").asInt()).isEqualTo(3);
		assertThat(limiter.get("period").asString()).isEqualTo("PT0.5S");
		assertThat(limiter.get("availablePermits").asInt()).isBetween(0, 3);
		assertThat(limiter.get("waiting").asInt()).isGreaterThanOrEqualTo(0);
	}

}
