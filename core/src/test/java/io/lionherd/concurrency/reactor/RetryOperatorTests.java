package io.lionherd.concurrency.reactor;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.RetryPolicy;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RetryOperator}: a resubscription per attempt, the back-off on Reactor's timer
 * (virtual time here).
 */
class RetryOperatorTests {

	private final AtomicInteger attempts = new AtomicInteger();

	private static RetryPolicy policy(int maxAttempts) {
		return RetryPolicy.builder().maxAttempts(maxAttempts).baseDelay(Duration.ofSeconds(1)).jitter(0).build();
	}

	/** Fails with {@code failure} the first {@code failures} attempts, then succeeds. */
	private Mono<String> failing(int failures, Exception failure) {
		return Mono.defer(() -> (this.attempts.incrementAndGet() <= failures) ? Mono.error(failure) : Mono.just("ok"));
	}

	@Test
	void resubscribesExactlyMaxAttemptsTimesThenSignalsTheLastFailure() {
		IOException failure = new IOException("down");
		StepVerifier
			.withVirtualTime(() -> failing(Integer.MAX_VALUE, failure).transformDeferred(RetryOperator.of(policy(4))))
			.thenAwait(Duration.ofSeconds(1 + 2 + 4))
			.expectErrorSatisfies((error) -> assertThat(error).isSameAs(failure))
			.verify(Duration.ofSeconds(5));
		assertThat(this.attempts).hasValue(4);
	}

	@Test
	void aSuccessfulAttemptEndsTheRetry() {
		StepVerifier
			.withVirtualTime(() -> failing(2, new IOException("down")).transformDeferred(RetryOperator.of(policy(5))))
			.thenAwait(Duration.ofSeconds(3))
			.expectNext("ok")
			.verifyComplete();
		assertThat(this.attempts).hasValue(3);
	}

	@Test
	void waitsThePolicysBackoffBetweenAttempts() {
		StepVerifier
			.withVirtualTime(() -> failing(2, new IOException("down")).transformDeferred(RetryOperator.of(policy(3))))
			.expectSubscription()
			.then(() -> assertThat(this.attempts).hasValue(1))
			.thenAwait(Duration.ofMillis(999))
			.then(() -> assertThat(this.attempts).hasValue(1))
			.thenAwait(Duration.ofMillis(1))
			.then(() -> assertThat(this.attempts).hasValue(2))
			.thenAwait(Duration.ofMillis(1999))
			.then(() -> assertThat(this.attempts).hasValue(2))
			.thenAwait(Duration.ofMillis(1))
			.expectNext("ok")
			.verifyComplete();
	}

	@Test
	void aFailureThePolicyDoesNotRetryIsSignalledAtOnce() {
		IllegalStateException failure = new IllegalStateException("bug");
		RetryPolicy policy = RetryPolicy.builder().maxAttempts(5).retryOn(IOException.class).build();
		StepVerifier.create(failing(Integer.MAX_VALUE, failure).transformDeferred(RetryOperator.of(policy)))
			.expectErrorSatisfies((error) -> assertThat(error).isSameAs(failure))
			.verify(Duration.ofSeconds(5));
		assertThat(this.attempts).hasValue(1);
	}

	@Test
	void aFluxIsResubscribedFromItsStart() {
		Flux<Integer> flux = Flux.defer(() -> (this.attempts.incrementAndGet() == 1)
				? Flux.just(1, 2).concatWith(Mono.error(new IOException("down"))) : Flux.just(1, 2, 3));
		StepVerifier.withVirtualTime(() -> flux.transformDeferred(RetryOperator.of(policy(2))))
			.expectNext(1, 2)
			.thenAwait(Duration.ofSeconds(1))
			.expectNext(1, 2, 3)
			.verifyComplete();
	}

	@Test
	void cancellingDuringTheBackoffStartsNoFurtherAttempt() {
		StepVerifier
			.withVirtualTime(() -> failing(Integer.MAX_VALUE, new IOException("down"))
				.transformDeferred(RetryOperator.of(policy(3))))
			.expectSubscription()
			.thenAwait(Duration.ofMillis(500))
			.thenCancel()
			.verify(Duration.ofSeconds(5));
		assertThat(this.attempts).hasValue(1);
	}

}
