package io.lionherd.sample;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/parallel}: the "multiple blocking calls in parallel" recipe over HTTP.
 */
@SampleAppTest
class ParallelEndpointTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void threeTasksOfOneSecondRunInParallel() {
		// Tasks of a second rather than the recipe's 0.15 s: a busy machine may start or
		// wake a task some hundred milliseconds late, not a whole second.
		Api.Response response = this.api.get("/api/parallel?tasks=3&seconds=1");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.contentType().isCompatibleWith(MediaType.APPLICATION_JSON)).isTrue();
		JsonNode body = response.json();
		// run one after another they would need 3 s, two of them back to back 2 s
		assertThat(body.get("totalSeconds").asDouble()).isGreaterThanOrEqualTo(1.0).isLessThan(2.0);
		assertThat(body.get("parallel").asBoolean()).isTrue();
	}

	@Test
	void resultsComeBackInTaskOrder() {
		JsonNode body = this.api.get("/api/parallel?tasks=3&seconds=0.15").json();

		assertThat(strings(body.get("results"))).containsExactly("Completed task-A after 0.15s",
				"Completed task-B after 0.15s", "Completed task-C after 0.15s");
	}

	@Test
	void defaultsAreTheRecipesThreeTasksOfPointFifteenSeconds() {
		JsonNode body = this.api.get("/api/parallel").json();

		assertThat(strings(body.get("results"))).hasSize(3).allMatch((result) -> result.endsWith(" after 0.15s"));
	}

	@Test
	void tasksBeyondZAreNumbered() {
		JsonNode body = this.api.get("/api/parallel?tasks=28&seconds=0").json();

		List<String> results = strings(body.get("results"));
		assertThat(results).hasSize(28);
		assertThat(results.get(25)).isEqualTo("Completed task-Z after 0.0s");
		assertThat(results.get(26)).isEqualTo("Completed task-27 after 0.0s");
		assertThat(results.get(27)).isEqualTo("Completed task-28 after 0.0s");
	}

	@Test
	void aSingleTaskIsNotReportedAsParallel() {
		JsonNode body = this.api.get("/api/parallel?tasks=1&seconds=0.05").json();

		assertThat(strings(body.get("results"))).containsExactly("Completed task-A after 0.05s");
		assertThat(body.get("parallel").asBoolean()).isFalse();
	}

	private static List<String> strings(JsonNode array) {
		assertThat(array.isArray()).as("results is a JSON array").isTrue();
		List<String> values = new ArrayList<>();
		array.forEach((element) -> values.add(element.asString()));
		return values;
	}

}
