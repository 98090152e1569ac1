package io.lionherd.concurrency.reactor;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitConfig;
import io.lionherd.concurrency.capacity.ConcurrencyLimitExceededException;
import io.lionherd.concurrency.capacity.ConcurrencyLimitFactory;
import io.lionherd.concurrency.capacity.ConcurrencyLimitListener;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * {@link ConcurrencyLimitOperator} on the in-memory limit, driven by a manual clock whose
 * timeouts fire inline.
 */
class ConcurrencyLimitOperatorTests {

	private final ManualTime time = new ManualTime();

	private final AtomicInteger subscriptions = new AtomicInteger();

	private ConcurrencyLimit limit(ConcurrencyLimitConfig config) {
		return ConcurrencyLimitFactory.inMemory(this.time, this.time, ManualTime.DIRECT)
			.create("provider", config, ConcurrencyLimitListener.none());
	}

	private <T> Mono<T> counted(Mono<T> mono) {
		return Mono.defer(() -> {
			this.subscriptions.incrementAndGet();
			return mono;
		});
	}

	@Test
	void aSubscriptionHoldsItsPermitUntilItCompletes() {
		ConcurrencyLimit limit = limit(ConcurrencyLimitConfig.of(1));
		Sinks.One<String> reply = Sinks.one();
		StepVerifier.create(reply.asMono().transformDeferred(ConcurrencyLimitOperator.of(limit)))
			.then(() -> assertThat(limit.inUse()).isOne())
			.then(() -> reply.tryEmitValue("a"))
			.expectNext("a")
			.then(() -> assertThat(limit.inUse()).as("released before onComplete").isZero())
			.verifyComplete();
		assertThat(limit.inUse()).isZero();
	}

	@Test
	void aSubscriptionBeyondTheTotalSubscribesUpstreamOnlyOnceAPermitIsReleased() {
		ConcurrencyLimit limit = limit(ConcurrencyLimitConfig.of(1));
		CapacityLimiter.Permit held = limit.acquire().join();
		StepVerifier.create(counted(Mono.just("a")).transformDeferred(ConcurrencyLimitOperator.of(limit)))
			.then(() -> assertThat(this.subscriptions).hasValue(0))
			.then(() -> assertThat(limit.waitingCount()).isOne())
			.then(held::close)
			.expectNext("a")
			.verifyComplete();
		assertThat(this.subscriptions).hasValue(1);
		assertThat(limit.inUse()).isZero();
	}

	@Test
	void anErrorReleasesThePermitAndPassesThroughUnchanged() {
		ConcurrencyLimit limit = limit(ConcurrencyLimitConfig.of(1));
		IllegalStateException failure = new IllegalStateException("upstream");
		StepVerifier.create(Mono.<String>error(failure).transformDeferred(ConcurrencyLimitOperator.of(limit)))
			.expectErrorSatisfies((error) -> assertThat(error).isSameAs(failure))
			.verify();
		assertThat(limit.inUse()).isZero();
	}

	@Test
	void cancellingARunningSubscriptionReleasesItsPermitOnce() {
		ConcurrencyLimit limit = limit(ConcurrencyLimitConfig.of(2));
		Disposable running = Mono.never().transformDeferred(ConcurrencyLimitOperator.of(limit)).subscribe();
		assertThat(limit.inUse()).isOne();
		CapacityLimiter.Permit other = limit.acquire().join();
		running.dispose();
		running.dispose();
		assertThat(limit.inUse()).as("the other permit stays held").isOne();
		other.close();
		assertThat(limit.inUse()).isZero();
	}

	@Test
	void cancellingWhileWaitingGivesThePlaceUpAndTakesNothing() {
		ConcurrencyLimit limit = limit(ConcurrencyLimitConfig.of(1));
		CapacityLimiter.Permit held = limit.acquire().join();
		Disposable waiting = counted(Mono.just("a")).transformDeferred(ConcurrencyLimitOperator.of(limit)).subscribe();
		assertThat(limit.waitingCount()).isOne();
		waiting.dispose();
		assertThat(limit.waitingCount()).isZero();
		held.close();
		assertThat(limit.inUse()).isZero();
		assertThat(this.subscriptions).hasValue(0);
	}

	@Test
	void aPermitNotGrantedInTimeIsConcurrencyLimitExceeded() {
		ConcurrencyLimit limit = limit(ConcurrencyLimitConfig.of(1).withTimeout(Duration.ofMillis(100)));
		CapacityLimiter.Permit held = limit.acquire().join();
		StepVerifier.create(counted(Mono.just("a")).transformDeferred(ConcurrencyLimitOperator.of(limit)))
			.then(() -> this.time.advance(Duration.ofMillis(100)))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(ConcurrencyLimitExceededException.class)
				.hasMessageContaining("provider"))
			.verify();
		assertThat(this.subscriptions).hasValue(0);
		assertThat(limit.waitingCount()).isZero();
		held.close();
		assertThat(limit.inUse()).isZero();
	}

	@Test
	void theOperatorsTimeoutReplacesTheLimits() {
		ConcurrencyLimit limit = limit(ConcurrencyLimitConfig.of(1));
		CapacityLimiter.Permit held = limit.acquire().join();
		StepVerifier.create(Mono.just("a").transformDeferred(ConcurrencyLimitOperator.of(limit, Duration.ZERO)))
			.expectError(ConcurrencyLimitExceededException.class)
			.verify();
		held.close();
	}

	@Test
	void aFluxHoldsOnePermitFromSubscriptionToItsLastElement() {
		ConcurrencyLimit limit = limit(ConcurrencyLimitConfig.of(1));
		Sinks.Many<Integer> elements = Sinks.many().unicast().onBackpressureBuffer();
		StepVerifier.create(elements.asFlux().transformDeferred(ConcurrencyLimitOperator.of(limit)))
			.then(() -> elements.tryEmitNext(1))
			.expectNext(1)
			.then(() -> assertThat(limit.inUse()).isOne())
			.then(() -> elements.tryEmitNext(2))
			.expectNext(2)
			.then(() -> assertThat(limit.inUse()).isOne())
			.then(elements::tryEmitComplete)
			.verifyComplete();
		assertThat(limit.inUse()).isZero();
	}

	@Test
	void everySubscriptionAsksForItsOwnPermit() {
		ConcurrencyLimit limit = limit(ConcurrencyLimitConfig.of(1));
		Mono<Object> limited = Mono.never().transform(ConcurrencyLimitOperator.of(limit));
		Disposable first = limited.subscribe();
		Disposable second = limited.subscribe();
		assertThat(limit.inUse()).isOne();
		assertThat(limit.waitingCount()).isOne();
		first.dispose();
		assertThat(limit.inUse()).isOne();
		assertThat(limit.waitingCount()).isZero();
		second.dispose();
		assertThat(limit.inUse()).isZero();
	}

	@Test
	void aMonoStaysAMonoAndAnyOtherPublisherBecomesAFlux() {
		ConcurrencyLimit limit = limit(ConcurrencyLimitConfig.of(1));
		assertThat(ConcurrencyLimitOperator.<String>of(limit).apply(Mono.just("a"))).isInstanceOf(Mono.class);
		assertThat(ConcurrencyLimitOperator.<String>of(limit).apply(Flux.just("a"))).isInstanceOf(Flux.class);
	}

	@Test
	void aNegativeTimeoutIsRejected() {
		ConcurrencyLimit limit = limit(ConcurrencyLimitConfig.of(1));
		assertThatIllegalArgumentException().isThrownBy(() -> ConcurrencyLimitOperator.of(limit, Duration.ofMillis(-1)))
			.withMessageContaining("timeout must be zero (do not wait) or more")
			.withMessageContaining("PT-0.001S");
	}

}
