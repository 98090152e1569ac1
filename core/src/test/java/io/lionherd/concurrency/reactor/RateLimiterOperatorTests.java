package io.lionherd.concurrency.reactor;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.RateLimitExceededException;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterFactory;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * {@link RateLimiterOperator} on the in-memory limiter, driven by a manual clock whose
 * wake-ups run inline.
 */
class RateLimiterOperatorTests {

	private final ManualTime time = new ManualTime();

	private final AtomicInteger subscriptions = new AtomicInteger();

	private RateLimiter limiter(RateLimiterConfig config) {
		return RateLimiterFactory.inMemory(this.time, this.time, ManualTime.DIRECT)
			.create("quotes", config, RateLimiterListener.none());
	}

	private Mono<String> counted(String value) {
		return Mono.fromCallable(() -> {
			this.subscriptions.incrementAndGet();
			return value;
		});
	}

	@Test
	void aGrantedPermitSubscribesUpstreamAtOnce() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(2, Duration.ofSeconds(1)));
		StepVerifier.create(counted("a").transformDeferred(RateLimiterOperator.of(limiter)))
			.expectNext("a")
			.verifyComplete();
		assertThat(limiter.availablePermits()).isEqualTo(1);
	}

	@Test
	void upstreamIsSubscribedOnlyOnceThePermitIsGranted() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(1, Duration.ofSeconds(1)));
		assertThat(limiter.tryAcquire()).isTrue();
		StepVerifier.create(counted("a").transformDeferred(RateLimiterOperator.of(limiter)))
			.then(() -> assertThat(this.subscriptions).hasValue(0))
			.then(() -> assertThat(limiter.waitingCount()).isOne())
			.then(() -> this.time.advance(Duration.ofSeconds(1)))
			.expectNext("a")
			.verifyComplete();
		assertThat(this.subscriptions).hasValue(1);
	}

	@Test
	void cancellingWhileWaitingGivesThePlaceUpAndChargesNothing() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(1, Duration.ofSeconds(1)));
		assertThat(limiter.tryAcquire()).isTrue();
		Disposable waiting = counted("a").transformDeferred(RateLimiterOperator.of(limiter)).subscribe();
		assertThat(limiter.waitingCount()).isOne();
		waiting.dispose();
		assertThat(limiter.waitingCount()).isZero();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(limiter.availablePermits()).isOne();
		assertThat(this.subscriptions).hasValue(0);
	}

	@Test
	void aPermitNotGrantedInTimeIsRateLimitExceeded() {
		RateLimiter limiter = limiter(new RateLimiterConfig(1, Duration.ofSeconds(1), Duration.ofMillis(100)));
		assertThat(limiter.tryAcquire()).isTrue();
		StepVerifier.create(counted("a").transformDeferred(RateLimiterOperator.of(limiter)))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(RateLimitExceededException.class)
				.hasCauseInstanceOf(TimeoutException.class)
				.hasMessageContaining("quotes"))
			.verify();
		assertThat(this.subscriptions).hasValue(0);
		assertThat(limiter.waitingCount()).isZero();
	}

	@Test
	void theOperatorsOwnTimeoutOfZeroRefusesAtOnceInsteadOfWaitingForTheLimitersTimeout() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(1, Duration.ofSeconds(1)));
		assertThat(limiter.tryAcquire()).isTrue();
		StepVerifier.create(counted("a").transformDeferred(RateLimiterOperator.of(limiter, 1, Duration.ZERO)))
			.expectError(RateLimitExceededException.class)
			.verify(Duration.ofSeconds(5));
		assertThat(this.subscriptions).hasValue(0);
		assertThat(limiter.waitingCount()).isZero();
	}

	@Test
	void theOperatorsOwnTimeoutLetsASubscriptionWaitThatLong() {
		RateLimiter limiter = limiter(new RateLimiterConfig(1, Duration.ofSeconds(1), Duration.ZERO));
		assertThat(limiter.tryAcquire()).isTrue();
		StepVerifier.create(counted("a").transformDeferred(RateLimiterOperator.of(limiter, 1, Duration.ofSeconds(2))))
			.then(() -> assertThat(limiter.waitingCount()).isOne())
			.then(() -> this.time.advance(Duration.ofSeconds(1)))
			.expectNext("a")
			.verifyComplete();
	}

	@Test
	void aNegativeTimeoutIsRejectedWhenTheOperatorIsMade() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(1, Duration.ofSeconds(1)));
		assertThatIllegalArgumentException().isThrownBy(() -> RateLimiterOperator.of(limiter, 1, Duration.ofMillis(-1)))
			.withMessage(
					"timeout must be zero (do not wait) or more, or null for the limiter's own, but was PT-0.001S");
	}

	@Test
	void upstreamErrorsPassThroughUnchanged() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(1, Duration.ofSeconds(1)));
		IllegalStateException failure = new IllegalStateException("upstream");
		StepVerifier.create(Mono.<String>error(failure).transformDeferred(RateLimiterOperator.of(limiter)))
			.expectErrorSatisfies((error) -> assertThat(error).isSameAs(failure))
			.verify();
	}

	@Test
	void upstreamErrorsAfterAWaitPassThroughUnchanged() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(1, Duration.ofSeconds(1)));
		assertThat(limiter.tryAcquire()).isTrue();
		IllegalStateException failure = new IllegalStateException("upstream");
		StepVerifier.create(Mono.<String>error(failure).transformDeferred(RateLimiterOperator.of(limiter)))
			.then(() -> this.time.advance(Duration.ofSeconds(1)))
			.expectErrorSatisfies((error) -> assertThat(error).isSameAs(failure))
			.verify();
	}

	@Test
	void aFluxTakesOnePermitPerSubscription() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(3, Duration.ofSeconds(1)));
		StepVerifier.create(Flux.range(1, 5).transformDeferred(RateLimiterOperator.of(limiter)))
			.expectNext(1, 2, 3, 4, 5)
			.verifyComplete();
		assertThat(limiter.availablePermits()).isEqualTo(2);
	}

	@Test
	void aFluxWaitsForItsPermitBeforeItsFirstElement() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(1, Duration.ofSeconds(1)));
		assertThat(limiter.tryAcquire()).isTrue();
		StepVerifier.create(Flux.range(1, 3).transformDeferred(RateLimiterOperator.of(limiter)))
			.expectSubscription()
			.then(() -> this.time.advance(Duration.ofSeconds(1)))
			.expectNext(1, 2, 3)
			.verifyComplete();
	}

	@Test
	void everySubscriptionAsksForItsOwnPermit() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(3, Duration.ofSeconds(1)));
		Mono<String> limited = counted("a").transform(RateLimiterOperator.of(limiter));
		limited.block();
		limited.block();
		assertThat(limiter.availablePermits()).isOne();
	}

	@Test
	void aWeightedSubscriptionTakesItsPermits() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(Limit.permits(10, Duration.ofSeconds(1))));
		StepVerifier.create(counted("a").transformDeferred(RateLimiterOperator.of(limiter, 4)))
			.expectNext("a")
			.verifyComplete();
		assertThat(limiter.availablePermits()).isEqualTo(6);
	}

	@Test
	void permitsThatCouldNeverBeGrantedAreRejectedWhenTheOperatorIsMade() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(Limit.permits(10, Duration.ofSeconds(1))));
		assertThatIllegalArgumentException().isThrownBy(() -> RateLimiterOperator.of(limiter, 11))
			.withMessageContaining("11");
	}

	@Test
	void aMonoStaysAMonoAndAFluxAFlux() {
		RateLimiter limiter = limiter(RateLimiterConfig.of(1, Duration.ofSeconds(1)));
		assertThat(RateLimiterOperator.<String>of(limiter).apply(Mono.just("a"))).isInstanceOf(Mono.class);
		assertThat(RateLimiterOperator.<String>of(limiter).apply(Flux.just("a"))).isInstanceOf(Flux.class);
	}

}
