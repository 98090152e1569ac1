package io.lionherd.sample;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A query string whose percent-encoding does not decode (bad hex digits, a cut-off
 * escape, bytes that are not UTF-8) is answered 400 {@code application/problem+json}
 * naming the parameter, and costs no ERROR line or stack trace in the log: such requests
 * are cheap to send in bulk.
 */
@SampleAppTest
@ExtendWith(OutputCaptureExtension.class)
class MalformedQueryStringTests {

	/** The start of a log record in Spring Boot's console format: an ISO date. */
	private static final Pattern RECORD = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T");

	/**
	 * A record's thread, the bracketed field before the logger name and {@code :} (Spring
	 * Boot's console format keeps its last 15 characters).
	 */
	private static final Pattern THREAD = Pattern.compile("\\[ *([^\\]]+)\\] \\S+ +: ");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@LocalServerPort
	int port;

	@Autowired
	WebServerApplicationContext context;

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|',
			value = { "/api/parallel?tasks=%zz          | tasks   | %zz",
					"/api/parallel?tasks=%                                          | tasks   | %",
					"/api/parallel?tasks=%C0%AE                                     | tasks   | %C0%AE",
					"/api/parallel?tasks=%FF%FE                                     | tasks   | %FF%FE",
					"/api/parallel?tasks=2&seconds=0%zz                             | seconds | 0%zz",
					"/api/monitor?kind=async&n=%E2%82                               | n       | %E2%82",
					"/api/parallel?%zz=1                                            | %zz     | 1",
					"/actuator/metrics/jvm.threads.live?tag=%FF%FE                  | tag     | %FF%FE" })
	void malformedEncodingIsAnswered400NamingTheParameter(String target, String parameter, String value)
			throws Exception {
		RawHttp.Response response = RawHttp.get(this.port, target);

		assertThat(response.status()).as(response.body()).isEqualTo(400);
		assertThat(
				MediaType.parseMediaType(response.contentType()).isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.as(response.contentType())
			.isTrue();
		JsonNode problem = JSON.readTree(response.body());
		assertThat(problem.get("status").asInt()).isEqualTo(400);
		assertThat(problem.get("detail").asString()).isEqualTo(
				"Invalid query parameter '" + parameter + "': must be percent-encoded UTF-8 (got '" + value + "')");
		JsonNode error = problem.get("errors").get(0);
		assertThat(error.get("parameter").asString()).isEqualTo(parameter);
		assertThat(error.get("value").asString()).isEqualTo(value);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource({ "/api/parallel?tasks=%zz", "/api/parallel?tasks=%", "/api/parallel?tasks=%C0%AE",
			"/api/parallel?tasks=%FF%FE", "/actuator/metrics/jvm.threads.live?tag=%zz" })
	void malformedEncodingLogsNoErrorAndNoStackTrace(String target, CapturedOutput output) throws Exception {
		int before = output.length();

		for (int i = 0; i < 3; i++) {
			assertThat(RawHttp.get(this.port, target).status()).isEqualTo(400);
		}

		String logged = loggedByRequestThreads(output.toString().substring(before), requestThreadPrefix());
		assertThat(logged).doesNotContain(" ERROR ", "Exception", "\tat ");
		assertThat(logged.lines().filter((line) -> line.contains(" WARN "))).hasSizeLessThanOrEqualTo(3);
	}

	/**
	 * The name prefix of this server's request threads, such as
	 * {@code http-nio-auto-1-exec-}: other servers of this JVM (the cached contexts of
	 * other test classes) have request threads too, named with another number.
	 */
	private String requestThreadPrefix() throws Exception {
		TomcatWebServer server = (TomcatWebServer) this.context.getWebServer();
		Executor requestThreads = server.getTomcat().getConnector().getProtocolHandler().getExecutor();
		CompletableFuture<String> name = new CompletableFuture<>();
		requestThreads.execute(() -> name.complete(Thread.currentThread().getName()));
		String thread = name.get(30, TimeUnit.SECONDS);
		return thread.substring(0, thread.lastIndexOf("-exec-") + "-exec-".length());
	}

	/**
	 * The records logged by this server's request threads, with their stack traces: other
	 * threads of this JVM (a Redis client shutting down, say), other servers' request
	 * threads among them (an abandoned request of another test class answered late, say),
	 * may log meanwhile.
	 */
	private static String loggedByRequestThreads(String logged, String requestThreadPrefix) {
		StringBuilder kept = new StringBuilder();
		boolean fromRequest = false;
		for (String line : logged.lines().toList()) {
			if (RECORD.matcher(line).lookingAt()) {
				fromRequest = isRequestThread(line, requestThreadPrefix);
			}
			if (fromRequest) {
				kept.append(line).append('\n');
			}
		}
		return kept.toString();
	}

	private static boolean isRequestThread(String record, String requestThreadPrefix) {
		Matcher thread = THREAD.matcher(record);
		if (!thread.find()) {
			return false;
		}
		// the name's end as logged, the thread's number taken off: "o-auto-1-exec-"
		String logged = thread.group(1).replaceFirst("[0-9]+$", "");
		return logged.endsWith("-exec-") && requestThreadPrefix.endsWith(logged);
	}

}
