package io.lionherd.sample;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/hedged}: a race of blocking tasks under a deadline.
 */
@SampleAppTest
class HedgedEndpointTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void theFastestTaskWinsAndTheOthersAreCancelled() {
		Api.Response response = this.api.get("/api/hedged?delays=3,0.1,2&deadline=5");

		assertThat(response.status()).as(response.body()).isEqualTo(200);
		JsonNode body = response.json();
		assertThat(body.get("winner").asString()).isEqualTo("task-B");
		assertThat(body.get("winnerDelay").asDouble()).isEqualTo(0.1);
		assertThat(body.get("cancelled").valueStream().map(JsonNode::asString)).containsExactly("task-A", "task-C");
		assertThat(body.get("elapsedSeconds").asDouble()).isGreaterThanOrEqualTo(0.099).isLessThan(2.0);
	}

	@Test
	void theDeadlinePassingFirstAnswers504ProblemAndCancelsEveryTask() {
		Api.Response response = this.api.get("/api/hedged?delays=10,10&deadline=0.2");

		assertThat(response.status()).as(response.body()).isEqualTo(504);
		assertThat(response.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue();
		JsonNode problem = response.json();
		assertThat(problem.get("status").asInt()).isEqualTo(504);
		assertThat(problem.get("title").asString()).isEqualTo("Deadline passed");
		assertThat(problem.get("detail").asString()).contains("0.2s", "all 2 were cancelled");
	}

	// The issue's example: delays 0.3, 0.1, 0.2 under 0.25 s, task-B winning at 0.1 s.
	// Its outcome depends on timing (a busy machine may wake task-B more than 0.15 s
	// late), so each default is shown apart, with a margin no machine misses.

	@Test
	void defaultDelaysAreTheIssuesExample() {
		Api.Response response = this.api.get("/api/hedged?deadline=10");

		assertThat(response.status()).as(response.body()).isEqualTo(200);
		JsonNode body = response.json();
		Map<String, Double> delays = Map.of("task-A", 0.3, "task-B", 0.1, "task-C", 0.2);
		String winner = body.get("winner").asString();
		assertThat(delays).containsKey(winner);
		assertThat(body.get("winnerDelay").asDouble()).isEqualTo(delays.get(winner));
		assertThat(body.get("cancelled").valueStream().map(JsonNode::asString)).containsExactlyElementsOf(
				delays.keySet().stream().filter((task) -> !task.equals(winner)).sorted().toList());
	}

	@Test
	void defaultDeadlineIsAQuarterSecond() {
		Api.Response response = this.api.get("/api/hedged?delays=10,10,10");

		assertThat(response.status()).as(response.body()).isEqualTo(504);
		assertThat(response.json().get("detail").asString()).contains("deadline of 0.25s", "all 3 were cancelled");
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
			"/api/hedged?delays=-1            | delays   | -1        | must be 1 to 8 comma-separated numbers of seconds from 0 to 10",
			"/api/hedged?delays=0.1,abc       | delays   | 0.1,abc   | must be 1 to 8 comma-separated numbers of seconds from 0 to 10",
			"/api/hedged?delays=11            | delays   | 11        | must be 1 to 8 comma-separated numbers of seconds from 0 to 10",
			"/api/hedged?delays=0.1,,0.2      | delays   | 0.1,,0.2  | must be 1 to 8 comma-separated numbers of seconds from 0 to 10",
			"/api/hedged?delays=1,1,1,1,1,1,1,1,1 | delays | 1,1,1,1,1,1,1,1,1 | must be 1 to 8 comma-separated numbers of seconds from 0 to 10",
			"/api/hedged?delays=1e1           | delays   | 1e1       | must be 1 to 8 comma-separated numbers of seconds from 0 to 10",
			"/api/hedged?deadline=-1          | deadline | -1        | must be a number of seconds from 0 to 10",
			"/api/hedged?deadline=11          | deadline | 11        | must be a number of seconds from 0 to 10",
			"/api/hedged?deadline=NaN         | deadline | NaN       | must be a number of seconds from 0 to 10",
			"/api/hedged?deadline=soon        | deadline | soon      | must be a number of seconds from 0 to 10" })
	void badParameterIsAnswered400NamingIt(String path, String parameter, String value, String allowed) {
		Api.Response response = this.api.get(path);

		assertThat(response.status()).as(response.body()).isEqualTo(400);
		assertThat(response.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue();
		JsonNode problem = response.json();
		assertThat(problem.get("detail").asString())
			.isEqualTo("Invalid query parameter '" + parameter + "': " + allowed + " (got '" + value + "')");
		JsonNode error = problem.get("errors").get(0);
		assertThat(error.get("parameter").asString()).isEqualTo(parameter);
		assertThat(error.get("message").asString()).isEqualTo(allowed);
	}

	@Test
	void delaysAreParsedStrictly() {
		assertThat(HedgedController.parseDelays("0.3,0.1,0.2")).isEqualTo(List.of(0.3, 0.1, 0.2));
		assertThat(HedgedController.parseDelays("10")).isEqualTo(List.of(10.0));
	}

}
