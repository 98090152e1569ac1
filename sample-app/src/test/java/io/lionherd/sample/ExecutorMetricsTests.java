package io.lionherd.sample;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The executor's saturation meters, {@code lionherd.executor.queue.wait} and
 * {@code lionherd.executor.rejected}, are scraped by Prometheus, tagged
 * {@code name=lionherd}.
 */
@SampleAppTest
class ExecutorMetricsTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void queueWaitOfRunSyncTasksIsScrapedByPrometheus() {
		assertThat(this.api.get("/api/parallel?tasks=3&seconds=0.01").status()).isEqualTo(200);

		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(prometheusLines("lionherd_executor_queue_wait_seconds_count"))
				.anySatisfy((line) -> {
					assertThat(line).contains("name=\"lionherd\"");
					assertThat(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).isGreaterThanOrEqualTo(3);
				}));
	}

	@Test
	void rejectedCounterIsScrapedByPrometheus() {
		assertThat(prometheusLines("lionherd_executor_rejected_total"))
			.anySatisfy((line) -> assertThat(line).contains("name=\"lionherd\""));
	}

	private List<String> prometheusLines(String metric) {
		Api.Response response = this.api.get("/actuator/prometheus");
		assertThat(response.status()).isEqualTo(200);
		return Arrays.stream(response.body().split("\n")).filter((line) -> line.startsWith(metric + "{")).toList();
	}

}
