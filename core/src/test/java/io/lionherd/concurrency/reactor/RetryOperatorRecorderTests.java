package io.lionherd.concurrency.reactor;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.RetryPolicy;
import io.lionherd.concurrency.RetryRecorder;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * {@link RetryOperator#of(RetryPolicy, String, RetryRecorder)}: how each subscription's
 * retry ended, reported as {@code AsyncUtils.retry} reports it.
 */
class RetryOperatorRecorderTests {

	private static final RetryPolicy THREE_ATTEMPTS = RetryPolicy.builder()
		.maxAttempts(3)
		.baseDelay(Duration.ofMillis(1))
		.jitter(0)
		.retryOn(IOException.class)
		.build();

	private final List<String> recorded = new CopyOnWriteArrayList<>();

	private final RetryRecorder recorder = (name, kind) -> this.recorded.add(name + ":" + kind.tagValue());

	private final AtomicInteger attempts = new AtomicInteger();

	private Mono<String> failing(int failures, Exception failure) {
		return Mono.defer(() -> (this.attempts.incrementAndGet() <= failures) ? Mono.error(failure) : Mono.just("ok"));
	}

	private <T> RetryOperator<T> operator() {
		return RetryOperator.of(THREE_ATTEMPTS, "quotes", this.recorder);
	}

	@Test
	void aFirstAttemptThatSucceedsIsSuccessfulWithoutRetry() {
		StepVerifier.create(failing(0, new IOException("down")).transformDeferred(operator()))
			.expectNext("ok")
			.verifyComplete();
		assertThat(this.recorded).containsExactly("quotes:successful_without_retry");
	}

	@Test
	void aLaterAttemptThatSucceedsIsSuccessfulWithRetry() {
		StepVerifier.create(failing(2, new IOException("down")).transformDeferred(operator()))
			.expectNext("ok")
			.expectComplete()
			.verify(Duration.ofSeconds(5));
		assertThat(this.recorded).containsExactly("quotes:successful_with_retry");
	}

	@Test
	void failingEveryAttemptIsFailedWithRetry() {
		StepVerifier.create(failing(Integer.MAX_VALUE, new IOException("down")).transformDeferred(operator()))
			.expectError(IOException.class)
			.verify(Duration.ofSeconds(5));
		assertThat(this.attempts).hasValue(3);
		assertThat(this.recorded).containsExactly("quotes:failed_with_retry");
	}

	@Test
	void aFailureThePolicyDoesNotRetryIsFailedWithoutRetry() {
		StepVerifier.create(failing(1, new IllegalStateException("bad")).transformDeferred(operator()))
			.expectError(IllegalStateException.class)
			.verify(Duration.ofSeconds(5));
		assertThat(this.recorded).containsExactly("quotes:failed_without_retry");
	}

	@Test
	void aCancelledSubscriptionIsNotRecorded() {
		StepVerifier.create(Mono.never().transformDeferred(operator())).expectSubscription().thenCancel().verify();
		assertThat(this.recorded).isEmpty();
	}

	@Test
	void aFluxIsRecordedOncePerSubscriptionNotPerElement() {
		StepVerifier.create(Flux.just("a", "b", "c").transformDeferred(operator()))
			.expectNext("a", "b", "c")
			.verifyComplete();
		assertThat(this.recorded).containsExactly("quotes:successful_without_retry");
	}

	@Test
	void eachSubscriptionIsRecorded() {
		Mono<String> retried = failing(1, new IOException("down")).transformDeferred(operator());
		StepVerifier.create(retried).expectNext("ok").expectComplete().verify(Duration.ofSeconds(5));
		StepVerifier.create(retried).expectNext("ok").verifyComplete();
		assertThat(this.recorded).containsExactly("quotes:successful_with_retry", "quotes:successful_without_retry");
	}

	@Test
	void aFailingRecorderDoesNotChangeTheSignals() {
		RetryOperator<String> operator = RetryOperator.of(THREE_ATTEMPTS, "quotes", (name, kind) -> {
			throw new IllegalStateException("recorder down");
		});
		StepVerifier.create(Mono.just("ok").transformDeferred(operator)).expectNext("ok").verifyComplete();
	}

	@Test
	void aNullNameIsRejectedNamingIt() {
		assertThatNullPointerException().isThrownBy(() -> RetryOperator.of(THREE_ATTEMPTS, null, this.recorder))
			.withMessageContaining("name");
	}

}
