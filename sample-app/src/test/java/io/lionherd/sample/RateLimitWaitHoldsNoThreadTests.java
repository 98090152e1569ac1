package io.lionherd.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Requests waiting for a permit hold no servlet thread: with only two Tomcat worker
 * threads and three requests waiting for the limiter, the server still answers at once.
 */
@SampleAppTest(properties = { "server.tomcat.threads.max=2", "server.tomcat.threads.min-spare=1",
		"lionherd.concurrency.rate-limiters.sample.max-calls=3", "lionherd.concurrency.rate-limiters.sample.period=6s",
		"lionherd.concurrency.rate-limiters.sample.timeout=30s" })
class RateLimitWaitHoldsNoThreadTests {

	@LocalServerPort
	int port;

	Api api;

	ExecutorService clients;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
		this.clients = Executors.newFixedThreadPool(4);
	}

	@AfterEach
	void tearDown() throws InterruptedException {
		this.clients.shutdownNow();
		this.clients.awaitTermination(10, TimeUnit.SECONDS);
	}

	private double waitingForPermit() {
		Api.Response response = this.api.get("/actuator/metrics/lionherd.ratelimiter.waiting?tag=name:sample");
		assertThat(response.status()).isEqualTo(200);
		return response.json().get("measurements").get(0).get("value").asDouble();
	}

	@Test
	void otherRequestsAreServedWhileCallsWaitForAPermit() throws Exception {
		long windowStart = System.nanoTime();
		for (int i = 0; i < 3; i++) {
			assertThat(this.api.get("/api/rate-limited").status()).isEqualTo(200); // the
																					// window's
																					// permits
		}
		List<CompletableFuture<Api.Response>> waiting = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			waiting.add(CompletableFuture.supplyAsync(() -> this.api.get("/api/rate-limited"), this.clients));
		}
		// the three reach the limiter and wait there for the next window (6 s after the
		// first permit, within their 30 s timeout); were each holding a worker thread,
		// the
		// third could not even be read, nor this metrics request answered
		await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(waitingForPermit()).isEqualTo(3.0));

		long start = System.nanoTime();
		Api.Response health = this.api.get("/actuator/health");
		double seconds = (System.nanoTime() - start) / 1e9;

		assertThat(health.status()).isEqualTo(200);
		// with a worker thread held per waiting call this would take until the next
		// window
		assertThat(seconds).isLessThan(2.0);
		assertThat(waiting).as("still waiting for a permit")
			.allMatch((call) -> !call.isDone() || System.nanoTime() - windowStart >= Duration.ofSeconds(6).toNanos());
		for (CompletableFuture<Api.Response> call : waiting) {
			assertThat(call.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
		}
	}

}
