package io.lionherd.sample;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample with Resilience4j's Spring Boot starter beside ours, every Actuator endpoint
 * exposed and both health contributors on: it starts, and each library answers under its
 * own ids ({@code lionherd} for ours, {@code ratelimiters} and {@code rateLimiters} for
 * Resilience4j's).
 */
@SampleAppTest(properties = { "management.endpoints.web.exposure.include=*",
		"management.endpoint.health.show-details=always", "management.health.ratelimiters.enabled=true",
		"management.health.lionherd.enabled=true", "resilience4j.ratelimiter.instances.r4j.limit-for-period=5",
		"resilience4j.ratelimiter.instances.r4j.register-health-indicator=true" })
class ResilienceStarterSideBySideTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void ourEndpointListsOurLimiters() {
		Api.Response response = this.api.get("/actuator/lionherd");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.json().get("rateLimiters").valueStream().map((limiter) -> limiter.get("name").asString()))
			.containsExactly("per-client", "provider", "sample");
	}

	@Test
	void resilience4jsEndpointListsItsLimiters() {
		Api.Response response = this.api.get("/actuator/ratelimiters");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.json().get("rateLimiters").valueStream().map(JsonNode::asString)).containsExactly("r4j");
	}

	@Test
	void bothHealthContributorsReport() {
		JsonNode components = this.api.get("/actuator/health").json().get("components");

		assertThat(components.get("lionherd").get("status").asString()).isEqualTo("UP");
		JsonNode lionherd = components.get("lionherd").get("details");
		assertThat(lionherd.propertyNames()).containsExactly("per-client", "provider", "sample", "capacityLimiters");
		assertThat(lionherd.get("capacityLimiters").propertyNames()).containsExactly("bounded");
		assertThat(components.get("rateLimiters").get("status").asString()).isEqualTo("UP");
		assertThat(components.get("rateLimiters").get("details").propertyNames()).containsExactly("r4j");
	}

}
