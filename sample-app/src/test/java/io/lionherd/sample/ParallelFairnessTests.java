package io.lionherd.sample;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One request cannot take the whole shared pool: while the largest allowed request (64
 * tasks of 10 s) runs, a small request still gets a thread at once. Its own context, with
 * an async request timeout of 8 s, so the large request is abandoned (and its tasks
 * cancelled) soon after the test.
 */
@SampleAppTest(properties = "spring.mvc.async.request-timeout=8s")
class ParallelFairnessTests {

	@LocalServerPort
	int port;

	@Autowired
	@Qualifier("lionherdTaskExecutor")
	ThreadPoolTaskExecutor executor;

	Api api;

	ExecutorService clients;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
		this.clients = Executors.newSingleThreadExecutor();
	}

	@AfterEach
	void tearDown() throws InterruptedException {
		this.clients.shutdownNow();
		this.clients.awaitTermination(10, TimeUnit.SECONDS);
	}

	@Test
	void aMaximalRequestDoesNotStallASmallOne() {
		CompletableFuture<Api.Response> large = CompletableFuture
			.supplyAsync(() -> this.api.get("/api/parallel?tasks=64&seconds=10"), this.clients);
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(this.executor.getActiveCount()).as("pool threads of the large request")
				.isGreaterThanOrEqualTo(ParallelProperties.DEFAULT_TASKS_IN_FLIGHT));

		long start = System.nanoTime();
		Api.Response small = this.api.get("/api/parallel?tasks=1&seconds=0.05");
		double seconds = (System.nanoTime() - start) / 1e9;

		assertThat(small.status()).as(small.body()).isEqualTo(200);
		// generous: 100 task-lengths of the small request, half of one of the large
		// one's; with the
		// whole pool taken it must wait for a 10 s task to end
		assertThat(seconds).as("seconds the small request took").isLessThan(5.0);
		assertThat(large).as("the large request is still running").isNotDone();
	}

}
