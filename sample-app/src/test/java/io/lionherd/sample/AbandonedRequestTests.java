package io.lionherd.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.micrometer.core.instrument.MeterRegistry;
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
 * A request that is abandoned (here: its async request timeout of 200 ms elapses while it
 * waits) gives up its pending permit and its {@code runSync} work: nobody is waiting for
 * them any more. The limiter grants 3 permits per 3 s and lets an acquire wait 10 s, so
 * without the cancel the abandoned requests' acquires would stay queued and be granted 3
 * s later. The {@code bounded} limit's calls take 1 s here and may wait 30 s for a
 * permit, so that only the abandonment can end a {@code GET /api/bounded} early.
 */
@SampleAppTest(properties = { "spring.mvc.async.request-timeout=200ms",
		"lionherd.concurrency.rate-limiters.sample.max-calls=3", "lionherd.concurrency.rate-limiters.sample.period=3s",
		"lionherd.concurrency.rate-limiters.sample.timeout=10s",
		"lionherd.concurrency.capacity-limiters.bounded.timeout=30s", "sample.bounded.call-time=1s" })
class AbandonedRequestTests {

	private static final int CLIENTS = 12;

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry meterRegistry;

	@Autowired
	ConcurrencyLimitRegistry limits;

	@Autowired
	BoundedService boundedService;

	@Autowired
	@Qualifier("lionherdTaskExecutor")
	ThreadPoolTaskExecutor executor;

	Api api;

	ExecutorService clients;

	@BeforeEach
	void setUp() {
		this.api = new Api(this.port);
		this.clients = Executors.newFixedThreadPool(CLIENTS);
	}

	@AfterEach
	void tearDown() throws InterruptedException {
		this.clients.shutdownNow();
		this.clients.awaitTermination(10, TimeUnit.SECONDS);
	}

	@Test
	void abandonedRequestsAreGrantedNoPermit() throws Exception {
		List<CompletableFuture<Api.Response>> calls = new ArrayList<>();
		for (int i = 0; i < CLIENTS; i++) {
			calls.add(CompletableFuture.supplyAsync(() -> this.api.get("/api/rate-limited"), this.clients));
		}
		long answered = 0;
		for (CompletableFuture<Api.Response> call : calls) {
			int status = call.get(30, TimeUnit.SECONDS).status();
			assertThat(status).isIn(200, 503);
			answered += (status == 200) ? 1 : 0;
		}
		assertThat(answered).as("answers sent").isGreaterThanOrEqualTo(3).isLessThan(CLIENTS);

		// past the next window (3 s after the first grants): had the abandoned acquires
		// stayed
		// queued, three of them would have been granted by then
		long sent = answered;
		await().during(Duration.ofSeconds(4))
			.atMost(Duration.ofSeconds(8))
			.untilAsserted(() -> assertThat(grants()).as("permits granted, answers sent: %d", sent).isEqualTo(sent));
		assertThat(waiting()).as("acquires still waiting").isZero();
	}

	@Test
	void anAbandonedParallelRequestCancelsItsTasks() {
		long sent = System.nanoTime();
		Api.Response response = this.api.get("/api/parallel?tasks=2&seconds=10");

		assertThat(response.status()).as(response.body()).isEqualTo(503);
		// The two 10 s tasks are interrupted instead of holding pool threads for 10 s.
		// They started after the request was sent, so uncancelled they would still run
		// 9.5 s after it: the wait is bounded from there, not from the (possibly late)
		// answer, leaving a busy machine all the time there is.
		Duration left = Duration.ofMillis(9_500).minusNanos(System.nanoTime() - sent);
		assertThat(left).as("time before uncancelled tasks would have ended").isPositive();
		await().atMost(left)
			.untilAsserted(() -> assertThat(this.executor.getActiveCount()).as("busy pool threads").isZero());
	}

	@Test
	void anAbandonedBoundedRequestWaitingForAPermitGivesUpItsPlace() {
		ConcurrencyLimit bounded = this.limits.get("bounded");
		CapacityLimiter.Permit first = bounded.acquire().join();
		CapacityLimiter.Permit second = bounded.acquire().join();
		int calls = this.boundedService.calls();
		try {
			// abandoned at 200 ms (as the container checks), long before the limit's 30 s
			// timeout
			assertThat(this.api.get("/api/bounded?n=3").status()).isEqualTo(503);
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(bounded.waitingCount()).as("calls still waiting").isZero());
		}
		finally {
			first.close();
			second.close();
		}
		assertThat(bounded.inUse()).as("permits granted to the abandoned calls").isZero();
		assertThat(this.boundedService.calls()).as("calls made").isEqualTo(calls);
	}

	@Test
	void anAbandonedBoundedRequestEndsItsRunningCallsAndStartsNoOther() {
		ConcurrencyLimit bounded = this.limits.get("bounded");
		int calls = this.boundedService.calls();
		// 20 calls of 1 s, two at a time, would take 10 s: abandoned at 200 ms (as the
		// container checks, every second or so)
		assertThat(this.api.get("/api/bounded?n=20").status()).isEqualTo(503);
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(
					() -> assertThat(bounded.inUse() + bounded.waitingCount()).as("calls held or waiting").isZero());
		assertThat(this.boundedService.calls() - calls).as("calls made").isLessThan(20);
	}

	private long grants() {
		return this.meterRegistry.get("lionherd.ratelimiter.wait").tag("name", "sample").timer().count();
	}

	private double waiting() {
		return this.meterRegistry.get("lionherd.ratelimiter.waiting").tag("name", "sample").gauge().value();
	}

}
