package io.lionherd.sample;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad query parameters answer HTTP 400 {@code application/problem+json} naming the
 * parameter, the value and what is allowed; never a 500 or a hang.
 */
@SampleAppTest
class BadRequestTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
			"/api/parallel?tasks=-1           | tasks   | -1          | must be an integer from 1 to 64",
			"/api/parallel?tasks=0            | tasks   | 0           | must be an integer from 1 to 64",
			"/api/parallel?tasks=abc          | tasks   | abc         | must be an integer from 1 to 64",
			"/api/parallel?tasks=100000       | tasks   | 100000      | must be an integer from 1 to 64",
			"/api/parallel?tasks=99999999999  | tasks   | 99999999999 | must be an integer from 1 to 64",
			"/api/parallel?tasks=2.5          | tasks   | 2.5         | must be an integer from 1 to 64",
			"/api/parallel?seconds=-1         | seconds | -1          | must be a number of seconds from 0 to 10",
			"/api/parallel?seconds=11         | seconds | 11          | must be a number of seconds from 0 to 10",
			"/api/parallel?seconds=soon       | seconds | soon        | must be a number of seconds from 0 to 10",
			"/api/parallel?seconds=NaN        | seconds | NaN         | must be a number of seconds from 0 to 10",
			"/api/parallel?seconds=Infinity   | seconds | Infinity    | must be a number of seconds from 0 to 10",
			"/api/monitor?n=-5                | n       | -5          | must be an integer from 0 to 10000000",
			"/api/monitor?n=10000001          | n       | 10000001    | must be an integer from 0 to 10000000",
			"/api/monitor?n=many              | n       | many        | must be an integer from 0 to 10000000",
			"/api/monitor?kind=foo            | kind    | foo         | must be 'sync' or 'async'",
			"/api/monitor?kind=SYNC           | kind    | SYNC        | must be 'sync' or 'async'",
			"/api/completion?tokens=0         | tokens  | 0           | must be an integer from 1 to 2000",
			"/api/completion?tokens=-5        | tokens  | -5          | must be an integer from 1 to 2000",
			"/api/completion?tokens=2001      | tokens  | 2001        | must be an integer from 1 to 2000",
			"/api/completion?tokens=lots      | tokens  | lots        | must be an integer from 1 to 2000",
			"/api/completion?tokens=2.5       | tokens  | 2.5         | must be an integer from 1 to 2000",
			"/api/completion?tokens=99999999999 | tokens | 99999999999 | must be an integer from 1 to 2000",
			"/api/bounded?n=0                 | n       | 0           | must be an integer from 1 to 20",
			"/api/bounded?n=-1                | n       | -1          | must be an integer from 1 to 20",
			"/api/bounded?n=21                | n       | 21          | must be an integer from 1 to 20",
			"/api/bounded?n=many              | n       | many        | must be an integer from 1 to 20",
			"/api/bounded?n=2.5               | n       | 2.5         | must be an integer from 1 to 20",
			"/api/bounded?n=99999999999       | n       | 99999999999 | must be an integer from 1 to 20" })
	void badParameterIsAnswered400NamingIt(String path, String parameter, String value, String allowed) {
		Api.Response response = this.api.get(path);

		assertThat(response.status()).as(response.body()).isEqualTo(400);
		assertThat(response.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue();
		JsonNode problem = response.json();
		assertThat(problem.get("status").asInt()).isEqualTo(400);
		assertThat(problem.get("detail").asString())
			.isEqualTo("Invalid query parameter '" + parameter + "': " + allowed + " (got '" + value + "')");
		JsonNode error = problem.get("errors").get(0);
		assertThat(error.get("parameter").asString()).isEqualTo(parameter);
		assertThat(error.get("message").asString()).isEqualTo(allowed);
	}

	@Test
	void everyBadParameterIsNamed() {
		JsonNode problem = this.api.get("/api/parallel?tasks=0&seconds=-1").json();

		assertThat(problem.get("errors").valueStream().map((error) -> error.get("parameter").asString()))
			.containsExactlyInAnyOrder("tasks", "seconds");
		assertThat(problem.get("detail").asString()).contains("'tasks'", "'seconds'");
	}

	@Test
	void boundaryValuesAreAccepted() {
		assertThat(this.api.get("/api/parallel?tasks=64&seconds=0").status()).isEqualTo(200);
		assertThat(this.api.get("/api/monitor?kind=async&n=0").status()).isEqualTo(200);
		assertThat(this.api.get("/api/completion?tokens=1").status()).isEqualTo(200);
		assertThat(this.api.get("/api/bounded?n=20").status()).isEqualTo(200);
	}

}
