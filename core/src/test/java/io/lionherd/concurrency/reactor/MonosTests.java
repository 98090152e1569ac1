package io.lionherd.concurrency.reactor;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Monos#fromAsync}: the body per subscription, its stage cancelled with the
 * subscription.
 */
class MonosTests {

	@Test
	void cancellingTheSubscriptionCancelsTheStage() {
		CompletableFuture<String> work = new CompletableFuture<>();
		StepVerifier.create(Monos.fromAsync(() -> work)).expectSubscription().thenCancel().verify();
		assertThat(work).isCancelled();
	}

	@Test
	void callsTheBodyOncePerSubscription() {
		AtomicInteger calls = new AtomicInteger();
		Mono<Integer> mono = Monos.fromAsync(() -> CompletableFuture.completedFuture(calls.incrementAndGet()));
		assertThat(calls).hasValue(0);
		StepVerifier.create(mono).expectNext(1).verifyComplete();
		StepVerifier.create(mono).expectNext(2).verifyComplete();
	}

	@Test
	void whatTheBodyThrowsIsAnErrorSignal() {
		IllegalStateException failure = new IllegalStateException("cannot start");
		StepVerifier.create(Monos.fromAsync(() -> {
			throw failure;
		})).expectErrorSatisfies((error) -> assertThat(error).isSameAs(failure)).verify();
	}

	@Test
	void aFailedStageIsItsOwnFailure() {
		IllegalStateException failure = new IllegalStateException("failed");
		StepVerifier.create(Monos.fromAsync(() -> CompletableFuture.failedFuture(failure)))
			.expectErrorSatisfies((error) -> assertThat(error).isSameAs(failure))
			.verify();
	}

	@Test
	void aNullStageIsANullPointerException() {
		StepVerifier.create(Monos.fromAsync(() -> null))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(NullPointerException.class)
				.hasMessageContaining("returned null"))
			.verify();
	}

}
