package io.lionherd.sample;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A monitored call shows up as the {@code lionherd.monitor} timer, tagged name, type,
 * outcome and exception, in both {@code /actuator/metrics} and
 * {@code /actuator/prometheus}.
 */
@SampleAppTest
class MonitorMetricsTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void syncCallIsRecordedInTheMetricsEndpoint() {
		assertThat(this.api.get("/api/monitor?kind=sync&n=1000").status()).isEqualTo(200);

		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			Api.Response response = this.api.get("/actuator/metrics/lionherd.monitor"
					+ "?tag=name:heavy_computation&tag=type:sync&tag=outcome:success&tag=exception:none");
			assertThat(response.status()).isEqualTo(200);
			assertThat(statistic(response.json(), "COUNT")).isGreaterThanOrEqualTo(1.0);
			assertThat(statistic(response.json(), "TOTAL_TIME")).isGreaterThanOrEqualTo(0.099);
		});
	}

	@Test
	void asyncCallIsRecordedInTheMetricsEndpoint() {
		assertThat(this.api.get("/api/monitor?kind=async&n=42").status()).isEqualTo(200);

		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			Api.Response response = this.api.get("/actuator/metrics/lionherd.monitor"
					+ "?tag=name:light_async_work&tag=type:async&tag=outcome:success&tag=exception:none");
			assertThat(response.status()).isEqualTo(200);
			assertThat(statistic(response.json(), "COUNT")).isGreaterThanOrEqualTo(1.0);
		});
	}

	@Test
	void timerListsItsTagsInTheMetricsEndpoint() {
		assertThat(this.api.get("/api/monitor?kind=sync&n=10").status()).isEqualTo(200);

		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			JsonNode metric = this.api.get("/actuator/metrics/lionherd.monitor").json();
			assertThat(metric.get("baseUnit").asString()).isEqualTo("seconds");
			assertThat(metric.get("availableTags").valueStream().map((tag) -> tag.get("tag").asString()))
				.contains("name", "type", "outcome", "exception");
		});
	}

	@Test
	void syncCallIsScrapedByPrometheus() {
		assertThat(this.api.get("/api/monitor?kind=sync&n=1000").status()).isEqualTo(200);

		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(prometheusLines("lionherd_monitor_seconds_count"))
				.anySatisfy((line) -> assertThat(line).contains("name=\"heavy_computation\"", "type=\"sync\"",
						"outcome=\"success\"", "exception=\"none\"")));
	}

	@Test
	void asyncCallIsScrapedByPrometheus() {
		assertThat(this.api.get("/api/monitor?kind=async&n=42").status()).isEqualTo(200);

		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(prometheusLines("lionherd_monitor_seconds_count"))
				.anySatisfy((line) -> assertThat(line).contains("name=\"light_async_work\"", "type=\"async\"",
						"outcome=\"success\"", "exception=\"none\"")));
	}

	private List<String> prometheusLines(String metric) {
		Api.Response response = this.api.get("/actuator/prometheus");
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.contentType().toString()).startsWith("text/plain");
		return Arrays.stream(response.body().split("\n")).filter((line) -> line.startsWith(metric + "{")).toList();
	}

	private static double statistic(JsonNode metric, String name) {
		return metric.get("measurements")
			.valueStream()
			.filter((measurement) -> name.equals(measurement.get("statistic").asString()))
			.mapToDouble((measurement) -> measurement.get("value").asDouble())
			.findFirst()
			.orElseThrow(() -> new AssertionError("no " + name + " in " + metric));
	}

}
