package io.lionherd.sample;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/bounded?n=N} with the sample's {@code bounded} concurrency limit from
 * {@code application.yml} (2 calls at once, a 2 s wait for a permit at most).
 */
@SampleAppTest
class BoundedEndpointTests {

	@LocalServerPort
	int port;

	@Autowired
	ConcurrencyLimitRegistry limits;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void callsBeyondTheTotalWaitSoThatAtMostTotalRunAtOnce() {
		Api.Response response = this.api.get("/api/bounded?n=6");

		assertThat(response.status()).as(response.body()).isEqualTo(200);
		assertThat(response.contentType().isCompatibleWith(MediaType.APPLICATION_JSON)).isTrue();
		JsonNode answer = response.json();
		assertThat(answer.propertyNames()).containsExactly("n", "total", "maxInFlight", "elapsedSeconds");
		assertThat(answer.get("n").asInt()).isEqualTo(6);
		assertThat(answer.get("total").asInt()).isEqualTo(2);
		assertThat(answer.get("maxInFlight").asInt()).isEqualTo(2);
		// three rounds of two 100 ms calls, back to back
		assertThat(answer.get("elapsedSeconds").asDouble()).isGreaterThanOrEqualTo(0.3);
		assertThat(bounded().inUse()).isZero();
	}

	@Test
	void oneCallRunsAlone() {
		JsonNode answer = this.api.get("/api/bounded?n=1").json();

		assertThat(answer.get("maxInFlight").asInt()).isOne();
		assertThat(answer.get("elapsedSeconds").asDouble()).isGreaterThanOrEqualTo(0.1);
	}

	@Test
	void callWithoutAPermitWithinTheTimeoutIsAnswered503NamingTheLimit() {
		CapacityLimiter.Permit first = bounded().acquire().join();
		CapacityLimiter.Permit second = bounded().acquire().join();
		Api.Response response;
		try {
			response = this.api.get("/api/bounded?n=1");
		}
		finally {
			first.close();
			second.close();
		}

		assertThat(response.status()).as(response.body()).isEqualTo(503);
		assertThat(response.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue();
		assertThat(response.headers().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
		JsonNode problem = response.json();
		assertThat(problem.get("title").asString()).isEqualTo("Concurrency limit reached");
		assertThat(problem.get("limit").asString()).isEqualTo("bounded");
		assertThat(problem.get("detail").asString())
			.isEqualTo("No permit of concurrency limit 'bounded' within 2000 ms: at most 2 calls run at once; "
					+ "try again later");
		assertThat(problem.get("instance").asString()).isEqualTo("/api/bounded");
		assertThat(bounded().inUse()).isZero();
		assertThat(bounded().waitingCount()).isZero();
	}

	private ConcurrencyLimit bounded() {
		return this.limits.get("bounded");
	}

}
