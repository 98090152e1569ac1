package io.lionherd.sample;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Actuator exposes health, info, metrics, prometheus and lionherd over HTTP, and nothing
 * else.
 */
@SampleAppTest
class ActuatorExposureTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@ParameterizedTest(name = "{0} is exposed")
	@ValueSource(strings = { "/actuator/health", "/actuator/info", "/actuator/metrics", "/actuator/prometheus",
			"/actuator/lionherd" })
	void exposedEndpointAnswers(String path) {
		assertThat(this.api.get(path).status()).isEqualTo(200);
	}

	@ParameterizedTest(name = "{0} is not exposed")
	@ValueSource(strings = { "/actuator/env", "/actuator/heapdump", "/actuator/beans", "/actuator/configprops",
			"/actuator/threaddump", "/actuator/loggers", "/actuator/mappings", "/actuator/shutdown",
			"/actuator/ratelimiters" })
	void otherEndpointIsNotFound(String path) {
		assertThat(this.api.get(path).status()).isEqualTo(404);
	}

	@Test
	void discoveryListsExactlyTheExposedEndpoints() {
		assertThat(this.api.get("/actuator").json().get("_links").propertyNames()).containsExactlyInAnyOrder("self",
				"health", "health-path", "info", "metrics", "metrics-requiredMetricName", "prometheus", "lionherd",
				"lionherd-kind-name");
	}

	@Test
	void healthIsUp() {
		assertThat(this.api.get("/actuator/health").json().get("status").asString()).isEqualTo("UP");
	}

}
