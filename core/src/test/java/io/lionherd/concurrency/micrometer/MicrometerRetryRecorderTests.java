package io.lionherd.concurrency.micrometer;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.RetryPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link MicrometerRetryRecorder}: named retries counted as
 * {@code lionherd.retry.calls} by {@code kind}.
 */
class MicrometerRetryRecorderTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final AsyncUtils async = AsyncUtils.builder()
		.executor(Runnable::run)
		.retryRecorder(new MicrometerRetryRecorder(this.registry))
		.build();

	private final RetryPolicy policy = RetryPolicy.builder().maxAttempts(2).baseDelay(Duration.ZERO).build();

	private double count(String name, String kind) {
		return this.registry.get("lionherd.retry.calls").tag("name", name).tag("kind", kind).counter().count();
	}

	private CompletableFuture<String> failingTimes(int failures) {
		AtomicInteger calls = new AtomicInteger();
		return this.async.retry("client",
				() -> (calls.incrementAndGet() <= failures)
						? CompletableFuture.failedFuture(new IllegalStateException("attempt " + calls.get()))
						: CompletableFuture.completedFuture("ok"),
				this.policy);
	}

	@Test
	void namedRetriesAreCountedByKind() {
		assertThat(failingTimes(0)).isCompletedWithValue("ok");
		assertThat(failingTimes(1)).isCompletedWithValue("ok");
		assertThat(failingTimes(1)).isCompletedWithValue("ok");
		assertThat(failingTimes(2)).isCompletedExceptionally();
		assertThat(
				this.async.retry("client", () -> CompletableFuture.failedFuture(new Error("not retried")), this.policy))
			.isCompletedExceptionally();
		assertThat(count("client", "successful_without_retry")).isEqualTo(1);
		assertThat(count("client", "successful_with_retry")).isEqualTo(2);
		assertThat(count("client", "failed_with_retry")).isEqualTo(1);
		assertThat(count("client", "failed_without_retry")).isEqualTo(1);
	}

	@Test
	void unnamedRetriesAreNotCounted() {
		assertThat(this.async.retry(() -> CompletableFuture.completedFuture("ok"), this.policy))
			.isCompletedWithValue("ok");
		assertThat(this.registry.find("lionherd.retry.calls").meters()).isEmpty();
	}

}
