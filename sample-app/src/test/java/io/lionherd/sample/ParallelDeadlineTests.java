package io.lionherd.sample;

import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /api/parallel} past {@code sample.parallel.deadline} (here 500 ms, well
 * before the async request timeout): answered 503 {@code application/problem+json}, its
 * running tasks interrupted and its waiting ones never started.
 */
@SampleAppTest(properties = "sample.parallel.deadline=500ms")
class ParallelDeadlineTests {

	@LocalServerPort
	int port;

	@Autowired
	@Qualifier("lionherdTaskExecutor")
	ThreadPoolTaskExecutor executor;

	Api api;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
	}

	@Test
	void aBatchPastItsDeadlineIsAnsweredServiceUnavailable() {
		Api.Response response = this.api.get("/api/parallel?tasks=2&seconds=10");

		assertThat(response.status()).as(response.body()).isEqualTo(503);
		assertThat(response.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue();
		JsonNode problem = response.json();
		assertThat(problem.get("title").asString()).isEqualTo("Batch took too long");
		assertThat(problem.get("detail").asString())
			.isEqualTo("The 2 tasks did not finish within 0.5s and were cancelled; the executor may be busy");
	}

	@Test
	void aBatchPastItsDeadlineCancelsItsTasksAndStartsNoMore() {
		long sent = System.nanoTime();
		// Three run at once (sample.parallel.tasks-in-flight), three wait for a slot.
		Api.Response response = this.api.get("/api/parallel?tasks=6&seconds=10");

		assertThat(response.status()).as(response.body()).isEqualTo(503);
		// Uncancelled, the first three would still run 9.5 s after the request was sent;
		// bounded from there, not from the (possibly late) answer.
		Duration left = Duration.ofMillis(9_500).minusNanos(System.nanoTime() - sent);
		assertThat(left).as("time before uncancelled tasks would have ended").isPositive();
		await().atMost(left)
			.untilAsserted(() -> assertThat(this.executor.getActiveCount()).as("busy pool threads").isZero());
		// Had the interrupted tasks' slots gone to the waiting ones, those would run now.
		await().during(Duration.ofSeconds(1))
			.atMost(Duration.ofSeconds(2))
			.untilAsserted(() -> assertThat(this.executor.getActiveCount()).as("busy pool threads").isZero());
	}

}
