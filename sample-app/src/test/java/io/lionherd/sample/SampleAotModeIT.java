package io.lionherd.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample jar started from its AOT-generated context
 * ({@code -Dspring.aot.enabled=true}, the context that {@code spring-boot:process-aot}
 * generated at build time instead of configuration classes parsed at startup), as a
 * GraalVM native image would run it: the annotated {@code GET /api/quote}
 * ({@code @RateLimited @Retry @Monitored}) answers, is limited and is monitored. Run by
 * failsafe in {@code mvn verify}, after {@code package}.
 */
class SampleAotModeIT {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Path LOG = Path.of("target", "sample-aot-mode.log");

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	private static int port;

	private static Process process;

	@BeforeAll
	static void startInAotMode() throws IOException {
		port = SampleJar.freePort();
		// Two permits an hour, none waited for: the third call is refused at once.
		process = SampleJar.start(List.of("-Dspring.aot.enabled=true", "-Xmx256m", "-XX:TieredStopAtLevel=1"),
				List.of("--server.port=" + port, "--server.address=127.0.0.1",
						"--lionherd.concurrency.rate-limiters.sample.max-calls=2",
						"--lionherd.concurrency.rate-limiters.sample.period=1h",
						"--lionherd.concurrency.rate-limiters.sample.timeout=0"),
				LOG);
		await().atMost(Duration.ofMinutes(3))
			.pollInterval(Duration.ofMillis(500))
			.ignoreExceptionsInstanceOf(IOException.class)
			.until(() -> {
				assertThat(process.isAlive()).as("the sample is running (see %s)", LOG).isTrue();
				return get("/actuator/health").statusCode() == 200;
			});
	}

	@AfterAll
	static void stop() throws InterruptedException {
		if (process != null) {
			SampleJar.stop(process);
		}
	}

	@Test
	void startsFromTheAotGeneratedContext() throws IOException {
		assertThat(Files.readString(LOG)).contains("Starting AOT-processed SampleApplication");
	}

	@Test
	void theAnnotatedEndpointAnswersThenIsLimitedAndIsMonitored() throws Exception {
		HttpResponse<String> first = get("/api/quote");
		HttpResponse<String> second = get("/api/quote");
		HttpResponse<String> third = get("/api/quote");

		assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
		assertThat(JSON.readTree(first.body()).get("number").asLong()).isEqualTo(1);
		assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
		assertThat(third.statusCode()).as(third.body()).isEqualTo(429);
		assertThat(JSON.readTree(third.body()).get("limiter").asString()).isEqualTo("sample");
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			HttpResponse<String> metric = get("/actuator/metrics/lionherd.monitor?tag=name:quote");
			assertThat(metric.statusCode()).as(metric.body()).isEqualTo(200);
			assertThat(count(JSON.readTree(metric.body()))).isEqualTo(3.0);
		});
	}

	@Test
	void theWeightedEndpointTakesThePermitsItsExpressionEvaluatesThenIsRefusedWithRetryAfter() throws Exception {
		// application.yml's provider: 20 calls and 2 000 tokens per 10 s, waited for 2 s.
		HttpResponse<String> first = get("/api/completion?tokens=1500");
		HttpResponse<String> second = get("/api/completion?tokens=600");

		assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
		assertThat(JSON.readTree(first.body()).get("tokens").asInt()).isEqualTo(1500);
		assertThat(second.statusCode()).as(second.body()).isEqualTo(429);
		assertThat(JSON.readTree(second.body()).get("limiter").asString()).isEqualTo("provider");
		assertThat(second.headers().firstValue("Retry-After"))
			.hasValueSatisfying((retryAfter) -> assertThat(Long.parseLong(retryAfter)).isBetween(1L, 10L));
	}

	@Test
	void theLionherdEndpointDescribesTheConfiguredLimiter() throws Exception {
		HttpResponse<String> response = get("/actuator/lionherd/ratelimiters/sample");

		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		JsonNode limiter = JSON.readTree(response.body());
		assertThat(limiter.get("maxCalls").asInt()).isEqualTo(2);
		assertThat(limiter.get("period").asString()).isEqualTo("PT1H");
	}

	private static double count(JsonNode metric) {
		for (JsonNode measurement : metric.get("measurements")) {
			if (measurement.get("statistic").asString().equals("COUNT")) {
				return measurement.get("value").asDouble();
			}
		}
		throw new AssertionError("No COUNT in " + metric);
	}

	private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(30))
			.build();
		return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
	}

}
