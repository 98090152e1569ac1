package io.lionherd.sample;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Numbers are read as plain ASCII decimals only, and each parameter may be given once:
 * what {@code Integer.parseInt} or Spring's number parsing would also accept (other
 * scripts' digits, hex, surrounding blanks or NULs, a repeated parameter of which the
 * first value silently wins) is answered 400 naming the parameter. Sent raw, so the
 * percent-encoding arrives as written.
 */
@SampleAppTest
class StrictParameterTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String TASKS = "must be an integer from 1 to 64";

	private static final String SECONDS = "must be a number of seconds from 0 to 10";

	private static final String N = "must be an integer from 0 to 10000000";

	private static final String ONCE = "must be given once";

	@LocalServerPort
	int port;

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', quoteCharacter = '"',
			value = { "/api/parallel?tasks=%D9%A3                   | tasks   | ٣            | " + TASKS, // Arabic-Indic
																											// 3
					"/api/parallel?tasks=%EF%BC%93                | tasks   | ３           | " + TASKS, // fullwidth
																										// 3
					"/api/parallel?tasks=0x10                     | tasks   | 0x10         | " + TASKS,
					"/api/parallel?tasks=%2310                    | tasks   | #10          | " + TASKS,
					"/api/parallel?tasks=1%200                    | tasks   | 1 0          | " + TASKS,
					"/api/parallel?tasks=%2B3                     | tasks   | +3           | " + TASKS,
					"/api/parallel?tasks=%203                     | tasks   | \" 3\"|  " + TASKS,
					"/api/parallel?seconds=5%00                   | seconds | \"5\0\"|  " + SECONDS,
					"/api/parallel?seconds=1e0                    | seconds | 1e0          | " + SECONDS,
					"/api/parallel?seconds=.5                     | seconds | .5           | " + SECONDS,
					"/api/parallel?seconds=5.                     | seconds | 5.           | " + SECONDS,
					"/api/parallel?seconds=0x1p0                  | seconds | 0x1p0        | " + SECONDS,
					"/api/parallel?seconds=%D9%A3                 | seconds | ٣            | " + SECONDS,
					"/api/monitor?n=%EF%BC%95                     | n       | ５           | " + N,
					"/api/monitor?n=0x10                          | n       | 0x10         | " + N })
	void nonPlainDecimalIsAnswered400NamingTheParameter(String target, String parameter, String value, String allowed)
			throws Exception {
		JsonNode problem = badRequest(target);

		assertThat(problem.get("detail").asString())
			.isEqualTo("Invalid query parameter '" + parameter + "': " + allowed + " (got '" + value + "')");
		JsonNode error = problem.get("errors").get(0);
		assertThat(error.get("parameter").asString()).isEqualTo(parameter);
		assertThat(error.get("value").asString()).isEqualTo(value);
		assertThat(error.get("message").asString()).isEqualTo(allowed);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', quoteCharacter = '"',
			value = { "/api/parallel?seconds=0&seconds=11            | seconds | '0', '11'",
					"/api/parallel?tasks=1&seconds=0&tasks=64      | tasks   | '1', '64'",
					"/api/parallel?tasks=2&tasks=2                 | tasks   | '2', '2'",
					"/api/monitor?kind=async&kind=sync             | kind    | 'async', 'sync'" })
	void repeatedParameterIsAnswered400NamingIt(String target, String parameter, String values) throws Exception {
		JsonNode problem = badRequest(target);

		assertThat(problem.get("detail").asString())
			.isEqualTo("Invalid query parameter '" + parameter + "': " + ONCE + " (got " + values + ")");
		JsonNode error = problem.get("errors").get(0);
		assertThat(error.get("parameter").asString()).isEqualTo(parameter);
		assertThat(error.get("message").asString()).isEqualTo(ONCE);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource({ "/api/parallel?tasks=2&seconds=0.05", "/api/parallel?tasks=02&seconds=0", "/api/parallel?seconds=0.0",
			"/api/parallel?tasks=64&seconds=0", "/api/parallel?seconds=0&other=1&other=2",
			"/api/monitor?kind=async&n=7" })
	void plainDecimalsAreAccepted(String target) throws Exception {
		RawHttp.Response response = RawHttp.get(this.port, target);

		assertThat(response.status()).as(response.body()).isEqualTo(200);
	}

	private JsonNode badRequest(String target) throws Exception {
		RawHttp.Response response = RawHttp.get(this.port, target);
		assertThat(response.status()).as(response.body()).isEqualTo(400);
		assertThat(
				MediaType.parseMediaType(response.contentType()).isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.isTrue();
		return JSON.readTree(response.body());
	}

}
