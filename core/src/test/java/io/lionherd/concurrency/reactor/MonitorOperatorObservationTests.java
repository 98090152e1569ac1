package io.lionherd.concurrency.reactor;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.observation.Observation;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link MonitorOperator#of(String, io.micrometer.observation.ObservationRegistry)}: each
 * subscription a {@code lionherd.monitor} observation.
 */
class MonitorOperatorObservationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final TestObservationRegistry observations = TestObservationRegistry.create();

	/**
	 * Another thread of this test's own: not one of Reactor's shared non-blocking
	 * threads, which BlockHound (installed by other tests of this JVM) watches and
	 * earlier tests may keep busy.
	 */
	private final ExecutorService otherThread = Executors.newSingleThreadExecutor();

	@AfterEach
	void disablePropagation() {
		Hooks.disableAutomaticContextPropagation();
		this.otherThread.shutdownNow();
	}

	@Test
	void aCompletedSubscriptionIsAnObservationWithOutcomeSuccess() {
		StepVerifier.create(Mono.just("a").transformDeferred(MonitorOperator.of("quotes", this.observations)))
			.expectNext("a")
			.verifyComplete();
		assertThat(this.observations).hasSingleObservationThat()
			.hasNameEqualTo("lionherd.monitor")
			.hasLowCardinalityKeyValue("name", "quotes")
			.hasLowCardinalityKeyValue("type", "async")
			.hasLowCardinalityKeyValue("outcome", "success")
			.hasLowCardinalityKeyValue("exception", "none")
			.hasBeenStopped();
	}

	@Test
	void aFailedSubscriptionIsAnObservationWithItsError() {
		IOException failure = new IOException("down");
		StepVerifier.create(Mono.error(failure).transformDeferred(MonitorOperator.of("quotes", this.observations)))
			.expectError(IOException.class)
			.verify();
		assertThat(this.observations).hasSingleObservationThat()
			.hasLowCardinalityKeyValue("outcome", "error")
			.hasLowCardinalityKeyValue("exception", "IOException")
			.hasError(failure)
			.hasBeenStopped();
	}

	@Test
	void aCancelledSubscriptionIsAnObservationWithOutcomeCancelledAndNoError() {
		StepVerifier.create(Mono.never().transformDeferred(MonitorOperator.of("quotes", this.observations)))
			.expectSubscription()
			.thenCancel()
			.verify();
		assertThat(this.observations).hasSingleObservationThat()
			.hasLowCardinalityKeyValue("outcome", "cancelled")
			.hasLowCardinalityKeyValue("exception", "none")
			.doesNotHaveError()
			.hasBeenStopped();
	}

	@Test
	void theObservationIsCurrentWhileTheUpstreamIsSubscribed() {
		AtomicReference<Observation> current = new AtomicReference<>();
		StepVerifier
			.create(Mono.fromCallable(() -> current.getAndSet(this.observations.getCurrentObservation()))
				.transformDeferred(MonitorOperator.of("quotes", this.observations)))
			.verifyComplete();
		assertThat(current.get()).isNotNull();
		assertThat(current.get().getContext().getName()).isEqualTo("lionherd.monitor");
		assertThat(this.observations.getCurrentObservation()).isNull();
	}

	@Test
	void theObservationIsTheParentInTheUpstreamOnAnotherThreadWithAutomaticPropagation() {
		Hooks.enableAutomaticContextPropagation();
		AtomicReference<Observation> current = new AtomicReference<>();
		Mono<String> upstream = Mono.fromCallable(() -> {
			current.set(this.observations.getCurrentObservation());
			return "a";
		}).subscribeOn(Schedulers.fromExecutorService(this.otherThread));
		StepVerifier.create(upstream.transformDeferred(MonitorOperator.of("quotes", this.observations)))
			.expectNext("a")
			.expectComplete()
			.verify(WAIT);
		assertThat(current.get()).isNotNull();
		assertThat(current.get().getContext().getName()).isEqualTo("lionherd.monitor");
	}

	@Test
	void theObservationInTheSubscribersContextIsItsParent() {
		Observation request = Observation.start("request", this.observations);
		StepVerifier
			.create(Mono.just("a")
				.transformDeferred(MonitorOperator.of("quotes", this.observations))
				.contextWrite((context) -> context.put(ObservationThreadLocalAccessor.KEY, request)))
			.expectNext("a")
			.verifyComplete();
		request.stop();
		assertThat(this.observations).hasObservationWithNameEqualTo("lionherd.monitor")
			.that()
			.hasParentObservationEqualTo(request);
	}

}
