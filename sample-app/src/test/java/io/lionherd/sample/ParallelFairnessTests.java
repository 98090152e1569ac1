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
 * an async request timeout of 15 s, so the large request is abandoned (and its tasks
 * cancelled) within the test, but never before the small request is answered.
 */
@SampleAppTest(properties = "spring.mvc.async.request-timeout=15s")
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
	void aMaximalRequestDoesNotStallASmallOne() throws Exception {
		long largeSent = System.nanoTime();
		CompletableFuture<Api.Response> large = CompletableFuture
			.supplyAsync(() -> this.api.get("/api/parallel?tasks=64&seconds=10"), this.clients);
		await().atMost(Duration.ofSeconds(8))
			.untilAsserted(() -> assertThat(this.executor.getActiveCount()).as("pool threads of the large request")
				.isGreaterThanOrEqualTo(ParallelProperties.DEFAULT_TASKS_IN_FLIGHT));
		// None of its 10 s tasks ends meanwhile: unbounded, all 64 would take every
		// thread.
		await().during(Duration.ofMillis(500))
			.atMost(Duration.ofSeconds(2))
			.untilAsserted(() -> assertThat(this.executor.getActiveCount()).as("pool threads of the large request")
				.isEqualTo(ParallelProperties.DEFAULT_TASKS_IN_FLIGHT));

		Api.Response small = this.api.get("/api/parallel?tasks=1&seconds=0.05");
		double seconds = (System.nanoTime() - largeSent) / 1e9;

		assertThat(small.status()).as(small.body()).isEqualTo(200);
		// The large request's tasks started after it was sent and each blocks 10 s: had
		// they taken the whole pool, the small request's task would have waited for one
		// of them to end, and its answer could not come within 10 s of sending the large
		// one. Counted from there, not from the small request, so that however long the
		// large one took to reach the pool, the bound stays below its first task's end.
		assertThat(seconds).as("seconds from sending the large request to the small answer").isLessThan(10.0);
		assertThat(large).as("the large request is still running").isNotDone();

		// Abandoned at its timeout, its tasks cancelled: none outlives the test. (Once
		// the next class uses another context, the test context cache pauses this one:
		// a task submitted then would wait on the paused pool, and hold up the JVM's exit
		// for the pool's whole await-termination period.)
		assertThat(large.get(30, TimeUnit.SECONDS).status()).isEqualTo(503);
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.executor.getActiveCount()).as("busy pool threads").isZero());
	}

}
