package io.lionherd.sample;

import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With Actuator's {@code ObservationRegistry}, monitored calls are
 * {@code lionherd.monitor} Observations: the timer is the one Boot's meter observation
 * handler records (it adds the {@code error} tag beside the monitor's own tags).
 */
@SampleAppTest
class MonitorObservationTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void monitorTimerIsRecordedByTheObservationHandler() {
		assertThat(this.api.get("/api/monitor?kind=sync&n=10").status()).isEqualTo(200);

		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			JsonNode metric = this.api.get("/actuator/metrics/lionherd.monitor").json();
			assertThat(metric.get("availableTags").valueStream().map((tag) -> tag.get("tag").asString()))
				.containsExactlyInAnyOrder("name", "type", "outcome", "exception", "error");
		});
	}

}
