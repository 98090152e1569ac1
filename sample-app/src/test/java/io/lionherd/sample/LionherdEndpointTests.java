package io.lionherd.sample;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /actuator/lionherd} describes the sample's limiters from
 * {@code application.yml}.
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
	void listsTheLimitersWithTheirConfigurationInNameOrder() {
		Api.Response response = this.api.get("/actuator/lionherd");

		assertThat(response.status()).isEqualTo(200);
		JsonNode limiters = response.json().get("rateLimiters");
		assertThat(limiters.valueStream().map((limiter) -> limiter.get("name").asString()))
			.containsExactly("per-client", "provider", "sample");
		assertSample(limiters.get(2));
	}

	@Test
	void showsEveryLimitOfTheProviderLimiter() {
		Api.Response response = this.api.get("/actuator/lionherd/ratelimiters/provider");

		assertThat(response.status()).isEqualTo(200);
		JsonNode limiter = response.json();
		assertThat(limiter.get("maxCalls").asInt()).isEqualTo(20);
		assertThat(limiter.get("period").asString()).isEqualTo("PT10S");
		JsonNode limits = limiter.get("limits");
		assertThat(limits).hasSize(2);
		assertLimit(limits.get(0), 20, "PT10S", "calls");
		assertLimit(limits.get(1), 2000, "PT10S", "permits");
	}

	private static void assertLimit(JsonNode limit, long max, String period, String counts) {
		assertThat(limit.propertyNames()).containsExactlyInAnyOrder("max", "period", "counts");
		assertThat(limit.get("max").asLong()).isEqualTo(max);
		assertThat(limit.get("period").asString()).isEqualTo(period);
		assertThat(limit.get("counts").asString()).isEqualTo(counts);
	}

	@Test
	void answersOneLimiterByName() {
		Api.Response response = this.api.get("/actuator/lionherd/ratelimiters/sample");

		assertThat(response.status()).isEqualTo(200);
		assertSample(response.json());
	}

	@Test
	void listsTheConcurrencyLimitsBesideTheRateLimiters() {
		JsonNode limits = this.api.get("/actuator/lionherd").json().get("capacityLimiters");

		assertThat(limits.valueStream().map((limit) -> limit.get("name").asString())).containsExactly("bounded");
		assertBounded(limits.get(0));
	}

	@Test
	void answersOneConcurrencyLimitByName() {
		Api.Response response = this.api.get("/actuator/lionherd/capacitylimiters/bounded");

		assertThat(response.status()).isEqualTo(200);
		assertBounded(response.json());
	}

	@Test
	void unknownConcurrencyLimitIsNotFound() {
		assertThat(this.api.get("/actuator/lionherd/capacitylimiters/nope").status()).isEqualTo(404);
		assertThat(this.api.get("/actuator/lionherd/capacitylimiters/sample").status()).as("a rate limiter's name")
			.isEqualTo(404);
	}

	private static void assertBounded(JsonNode limit) {
		assertThat(limit.propertyNames()).containsExactlyInAnyOrder("name", "backend", "total", "inUse", "available",
				"waiting", "timeout", "lease");
		assertThat(limit.get("name").asString()).isEqualTo("bounded");
		assertThat(limit.get("backend").asString()).isEqualTo("local");
		assertThat(limit.get("total").asInt()).isEqualTo(2);
		assertThat(limit.get("inUse").asInt()).isZero();
		assertThat(limit.get("available").asInt()).isEqualTo(2);
		assertThat(limit.get("waiting").asInt()).isZero();
		assertThat(limit.get("timeout").asString()).isEqualTo("PT2S");
		assertThat(limit.get("lease").asString()).isEqualTo("PT30S");
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
		assertThat(limiter.propertyNames()).containsExactlyInAnyOrder("name", "backend", "maxCalls", "period", "limits",
				"availablePermits", "waiting", "keys");
		assertThat(limiter.get("name").asString()).isEqualTo("sample");
		assertThat(limiter.get("backend").asString()).isEqualTo("local");
		assertThat(limiter.get("maxCalls").asInt()).isEqualTo(3);
		assertThat(limiter.get("period").asString()).isEqualTo("PT0.5S");
		assertThat(limiter.get("limits")).hasSize(1);
		assertLimit(limiter.get("limits").get(0), 3, "PT0.5S", "permits");
		assertThat(limiter.get("availablePermits").asInt()).isBetween(0, 3);
		assertThat(limiter.get("waiting").asInt()).isGreaterThanOrEqualTo(0);
	}

}
