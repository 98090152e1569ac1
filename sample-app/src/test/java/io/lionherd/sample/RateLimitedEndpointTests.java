package io.lionherd.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/rate-limited} with the shipped {@code application.yml}: 3 calls per 500
 * ms. The one test owns its limiter: its own context. It waits up to 10 s for a permit
 * instead of the shipped 2 s: the last three calls wait about half a second for theirs,
 * and a busy machine may deliver a grant late, so 2 s would leave only 1.5 s of slack.
 */
@SampleAppTest(properties = { "lionherd.concurrency.rate-limiters.sample.max-calls=3",
		"lionherd.concurrency.rate-limiters.sample.timeout=10s" })
class RateLimitedEndpointTests {

	private static final double PERIOD = 0.5;

	/**
	 * Room for floating-point subtraction, not for early grants (the times are rounded
	 * outwards).
	 */
	private static final double EPSILON = 1e-9;

	@LocalServerPort
	int port;

	Api api;

	ExecutorService clients;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
		this.clients = Executors.newFixedThreadPool(6);
		// warm up the server (DispatcherServlet, connections) so the six calls start
		// together
		assertThat(this.api.get("/actuator/health").status()).isEqualTo(200);
	}

	@AfterEach
	void tearDown() throws InterruptedException {
		this.clients.shutdownNow();
		this.clients.awaitTermination(10, TimeUnit.SECONDS);
	}

	@Test
	void sixConcurrentCallsGetAtMostThreePermitsPerHalfSecond() throws Exception {
		CyclicBarrier start = new CyclicBarrier(6);
		List<CompletableFuture<Api.Response>> calls = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			calls.add(CompletableFuture.supplyAsync(() -> {
				await(start);
				return this.api.get("/api/rate-limited");
			}, this.clients));
		}

		List<double[]> grants = new ArrayList<>();
		for (CompletableFuture<Api.Response> call : calls) {
			Api.Response response = call.get(30, TimeUnit.SECONDS);
			assertThat(response.status()).as(response.body()).isEqualTo(200);
			JsonNode body = response.json();
			assertThat(body.get("granted").asBoolean()).isTrue();
			double requested = body.get("requestedAtSeconds").asDouble();
			double seen = body.get("atSeconds").asDouble();
			assertThat(requested).isLessThanOrEqualTo(seen);
			grants.add(new double[] { requested, seen });
		}
		// each grant lies in [requestedAtSeconds, atSeconds]; four grants span at least
		// one period,
		// so every four answers do: the latest atSeconds is a period after the earliest
		// request
		for (List<double[]> four : subsetsOfFour(grants)) {
			double earliestRequest = four.stream().mapToDouble((grant) -> grant[0]).min().getAsDouble();
			double latestSeen = four.stream().mapToDouble((grant) -> grant[1]).max().getAsDouble();
			assertThat(latestSeen - earliestRequest).as("span of four answers")
				.isGreaterThanOrEqualTo(PERIOD - EPSILON);
		}
	}

	private static List<List<double[]>> subsetsOfFour(List<double[]> items) {
		List<List<double[]>> subsets = new ArrayList<>();
		int n = items.size();
		for (int a = 0; a < n; a++) {
			for (int b = a + 1; b < n; b++) {
				for (int c = b + 1; c < n; c++) {
					for (int d = c + 1; d < n; d++) {
						subsets.add(List.of(items.get(a), items.get(b), items.get(c), items.get(d)));
					}
				}
			}
		}
		return subsets;
	}

	private static void await(CyclicBarrier barrier) {
		try {
			barrier.await(10, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
