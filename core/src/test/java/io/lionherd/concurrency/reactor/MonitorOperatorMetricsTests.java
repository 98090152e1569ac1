package io.lionherd.concurrency.reactor;

import io.lionherd.concurrency.micrometer.MicrometerMonitorRecorder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link MonitorOperator} with {@link MicrometerMonitorRecorder}: each subscription
 * counted on the {@code lionherd.monitor} timer of its outcome.
 */
class MonitorOperatorMetricsTests {

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final MicrometerMonitorRecorder recorder = new MicrometerMonitorRecorder(this.meters);

	@Test
	void aCancelledSubscriptionIsTimedWithOutcomeCancelled() {
		StepVerifier.create(Mono.never().transformDeferred(MonitorOperator.of("quotes", this.recorder)))
			.expectSubscription()
			.thenCancel()
			.verify();
		assertThat(this.meters.get("lionherd.monitor")
			.tags("name", "quotes", "type", "async", "outcome", "cancelled", "exception", "none")
			.timer()
			.count()).isOne();
		assertThat(this.meters.find("lionherd.monitor").timers()).hasSize(1);
	}

	@Test
	void aCompletedSubscriptionIsTimedWithOutcomeSuccess() {
		StepVerifier.create(Mono.just("a").transformDeferred(MonitorOperator.of("quotes", this.recorder)))
			.expectNext("a")
			.verifyComplete();
		assertThat(this.meters.get("lionherd.monitor")
			.tags("name", "quotes", "type", "async", "outcome", "success", "exception", "none")
			.timer()
			.count()).isOne();
	}

}
