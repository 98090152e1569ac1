package io.lionherd.sample;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/monitor}: the performance-monitor recipe over HTTP. */
@SampleAppTest
class MonitorEndpointTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void syncMonitorsTheBlockingHeavyComputation() {
		Api.Response response = this.api.get("/api/monitor?kind=sync&n=1000");

		assertThat(response.status()).isEqualTo(200);
		JsonNode body = response.json();
		assertThat(body.get("result").asLong()).isEqualTo(499500L);
		assertThat(body.get("type").asString()).isEqualTo("sync");
		assertThat(body.get("elapsedSeconds").asDouble()).isGreaterThanOrEqualTo(0.099).isLessThan(5.0);
	}

	@Test
	void asyncMonitorsTheThreadFreeLightAsyncWork() {
		Api.Response response = this.api.get("/api/monitor?kind=async&n=42");

		assertThat(response.status()).isEqualTo(200);
		JsonNode body = response.json();
		assertThat(body.get("result").asLong()).isEqualTo(84L);
		assertThat(body.get("type").asString()).isEqualTo("async");
		assertThat(body.get("elapsedSeconds").asDouble()).isGreaterThanOrEqualTo(0.099).isLessThan(5.0);
	}

	@Test
	void theLargestAllowedNDoesNotOverflow() {
		JsonNode body = this.api.get("/api/monitor?kind=sync&n=10000000").json();

		assertThat(body.get("result").asLong()).isEqualTo(49_999_995_000_000L);
	}

	@Test
	void defaultsAreTheSyncRecipeWithNOfOneThousand() {
		JsonNode body = this.api.get("/api/monitor").json();

		assertThat(body.get("result").asLong()).isEqualTo(499500L);
		assertThat(body.get("type").asString()).isEqualTo("sync");
	}

}
