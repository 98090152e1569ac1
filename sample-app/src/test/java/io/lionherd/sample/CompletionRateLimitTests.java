package io.lionherd.sample;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/completion} against a quota of 3 requests per hour and 2 000 tokens per
 * two hours, waited for 100 ms at most: a call is granted only when both have room, a
 * refused call charges neither, and the 429 says in {@code Retry-After} when the refused
 * call could have been granted (the limit that refused it, not the first limit's period).
 */
@SampleAppTest(properties = { "lionherd.concurrency.rate-limiters.provider.limits[0].max=3",
		"lionherd.concurrency.rate-limiters.provider.limits[0].period=1h",
		"lionherd.concurrency.rate-limiters.provider.limits[0].counts=calls",
		"lionherd.concurrency.rate-limiters.provider.limits[1].max=2000",
		"lionherd.concurrency.rate-limiters.provider.limits[1].period=2h",
		"lionherd.concurrency.rate-limiters.provider.timeout=100ms" })
class CompletionRateLimitTests {

	private static final String ALLOWED = "No permit of rate limiter 'provider' within 100 ms: at most 3 calls per "
			+ "3600000 ms and 2000 permits per 7200000 ms are allowed";

	@LocalServerPort
	int port;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void callsAreGrantedWhileBothLimitsHaveRoomAndRefused429WithRetryAfterOfTheLimitThatRefused() {
		assertThat(this.api.get("/api/completion?tokens=1500").status()).isEqualTo(200);

		Api.Response tooManyTokens = this.api.get("/api/completion?tokens=501");
		assertRefused(tooManyTokens);
		assertThat(retryAfter(tooManyTokens)).as("the tokens free again two hours after the first call")
			.isBetween(7000L, 7200L);

		assertThat(this.api.get("/api/completion?tokens=400").status()).as("the refusal charged nothing")
			.isEqualTo(200);
		assertThat(this.api.get("/api/completion?tokens=1").status()).as("the calls limit's third call").isEqualTo(200);

		Api.Response tooManyCalls = this.api.get("/api/completion?tokens=1");
		assertRefused(tooManyCalls);
		assertThat(retryAfter(tooManyCalls)).as("a call free again an hour after the first one")
			.isBetween(3400L, 3600L);
	}

	private static void assertRefused(Api.Response response) {
		assertThat(response.status()).as(response.body()).isEqualTo(429);
		assertThat(response.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue();
		JsonNode problem = response.json();
		assertThat(problem.get("title").asString()).isEqualTo("Rate limit exceeded");
		assertThat(problem.get("limiter").asString()).isEqualTo("provider");
		assertThat(problem.get("detail").asString()).isEqualTo(ALLOWED);
		assertThat(problem.get("instance").asString()).isEqualTo("/api/completion");
	}

	private static long retryAfter(Api.Response response) {
		return Long.parseLong(response.headers().getFirst(HttpHeaders.RETRY_AFTER));
	}

}
