package io.lionherd.sample;

import java.time.Duration;

import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /api/quote} when the annotated method gets no permit in time: one permit an
 * hour, and a 100 ms wait at most. The refusal, a {@code RateLimitExceededException}
 * naming the limiter, is answered 429 with a problem and {@code Retry-After}, and is not
 * retried (the policy {@code quote} retries I/O failures only).
 */
@SampleAppTest(properties = { "lionherd.concurrency.rate-limiters.sample.max-calls=1",
		"lionherd.concurrency.rate-limiters.sample.period=1h",
		"lionherd.concurrency.rate-limiters.sample.timeout=100ms" })
class QuoteRateLimitTests {

	@LocalServerPort
	int port;

	@Autowired
	RateLimiter rateLimiter;

	@Autowired
	MeterRegistry meterRegistry;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void quoteWithoutPermitInTimeIsAnswered429WithAProblemNamingTheLimiter() {
		double before = failedWithoutRetry();
		// Takes the hour's only permit, or is refused too when another test took it.
		int firstStatus = this.api.get("/api/quote").status();
		assertThat(firstStatus).isIn(200, 429);
		assertThat(this.rateLimiter.availablePermits()).isZero();

		Api.Response response = this.api.get("/api/quote");

		assertThat(response.status()).isEqualTo(429);
		assertThat(response.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue();
		JsonNode problem = response.json();
		assertThat(problem.get("status").asInt()).isEqualTo(429);
		assertThat(problem.get("title").asString()).isEqualTo("Rate limit exceeded");
		assertThat(problem.get("limiter").asString()).isEqualTo("sample");
		assertThat(problem.get("detail").asString())
			.isEqualTo("No permit of rate limiter 'sample' within 100 ms: at most 1 calls per 3600000 ms are allowed");
		assertThat(problem.get("instance").asString()).isEqualTo("/api/quote");
		// When the permit comes back (the limiter's retryAfter, rounded up), or its
		// period
		// where the limiter does not say: within the hour either way.
		assertThat(Long.parseLong(response.headers().getFirst(HttpHeaders.RETRY_AFTER))).isBetween(3500L, 3600L);
		// The refusals are recorded when the retries' futures complete, possibly after
		// the answers: awaited here, so that no other test of this context counts them.
		awaitRefusalsRecorded(before, (firstStatus == 429) ? 2.0 : 1.0);
	}

	@Test
	void quoteRefusedByTheLimiterIsNotRetried() {
		double before = failedWithoutRetry();
		int waitingBefore = this.rateLimiter.waitingCount();
		// Takes the hour's only permit, or is refused too when another test took it.
		int firstStatus = this.api.get("/api/quote").status();
		assertThat(firstStatus).isIn(200, 429);

		assertThat(this.api.get("/api/quote").status()).isEqualTo(429);

		// Each refusal is recorded once, when the retry's future completes: possibly just
		// after its answer, so the count is awaited from before both requests.
		awaitRefusalsRecorded(before, (firstStatus == 429) ? 2.0 : 1.0);
		assertThat(this.rateLimiter.waitingCount()).isEqualTo(waitingBefore);
	}

	/**
	 * Waits until {@code refusals} more calls than {@code before} are counted as failed
	 * without retry. Each test of this class awaits the refusals it caused before it
	 * ends, so none is recorded while another test counts from its own {@code before}.
	 */
	private void awaitRefusalsRecorded(double before, double refusals) {
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(failedWithoutRetry() - before).isEqualTo(refusals));
	}

	private double failedWithoutRetry() {
		Counter counter = this.meterRegistry.find("lionherd.retry.calls")
			.tags("name", "quote", "kind", "failed_without_retry")
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

}
