package io.lionherd.sample;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's limiter is named, so its {@code lionherd.ratelimiter.*} meters are
 * published.
 */
@SampleAppTest
class RateLimiterMetricsTests {

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "lionherd.ratelimiter.wait", "lionherd.ratelimiter.rejected",
			"lionherd.ratelimiter.waiting", "lionherd.ratelimiter.available" })
	void limiterMeterIsTaggedWithTheSampleName(String meter) {
		Api.Response response = this.api.get("/actuator/metrics/" + meter + "?tag=name:sample");

		assertThat(response.status()).as(response.body()).isEqualTo(200);
	}

}
