package io.lionherd.concurrency.reactor;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lionherd.concurrency.ExecutionType;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.MonitorRecorder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link MonitorOperator}: one record per subscription, from the subscription to the
 * terminal signal or the cancel.
 */
class MonitorOperatorTests {

	private final ManualTime time = new ManualTime();

	private final Recorded recorder = new Recorded();

	private <T> MonitorOperator<T> monitor() {
		return MonitorOperator.of("quotes", this.recorder, this.time);
	}

	@Test
	void recordsASuccessFromSubscriptionToCompletion() {
		Sinks.One<String> sink = Sinks.one();
		StepVerifier.create(sink.asMono().transformDeferred(monitor()))
			.then(() -> this.time.advance(Duration.ofMillis(30)))
			.then(() -> assertThat(this.recorder.records).isEmpty())
			.then(() -> sink.tryEmitValue("a"))
			.expectNext("a")
			.verifyComplete();
		assertThat(this.recorder.records).containsExactly(
				new Record("quotes", ExecutionType.ASYNC, "success", null, Duration.ofMillis(30).toNanos()));
	}

	@Test
	void recordsAnErrorWithItsExceptionAndPassesItOnUnchanged() {
		IllegalStateException failure = new IllegalStateException("down");
		StepVerifier.create(Mono.<String>error(failure).transformDeferred(monitor()))
			.expectErrorSatisfies((error) -> assertThat(error).isSameAs(failure))
			.verify();
		assertThat(this.recorder.records)
			.containsExactly(new Record("quotes", ExecutionType.ASYNC, "error", failure, 0));
	}

	@Test
	void recordsACancelBeforeTheTerminalSignalAsCancelled() {
		StepVerifier.create(Mono.<String>never().transformDeferred(monitor()))
			.expectSubscription()
			.then(() -> this.time.advance(Duration.ofMillis(5)))
			.thenCancel()
			.verify();
		assertThat(this.recorder.records).containsExactly(
				new Record("quotes", ExecutionType.ASYNC, "cancelled", null, Duration.ofMillis(5).toNanos()));
	}

	@Test
	void aCancelAfterCompletionRecordsNothingMore() {
		StepVerifier.create(Flux.just(1, 2).transformDeferred(monitor()).take(1)).expectNext(1).verifyComplete();
		assertThat(this.recorder.records).extracting(Record::outcome).containsExactly("cancelled");
	}

	@Test
	void recordsEverySubscriptionOfAFlux() {
		Flux<Integer> monitored = Flux.just(1, 2, 3).transform(monitor());
		StepVerifier.create(monitored).expectNext(1, 2, 3).verifyComplete();
		StepVerifier.create(monitored).expectNext(1, 2, 3).verifyComplete();
		assertThat(this.recorder.records).extracting(Record::outcome).containsExactly("success", "success");
	}

	@Test
	void aRecorderWithoutCancelledSupportSeesACancellationException() {
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		MonitorRecorder plain = (name, type, error, nanos) -> errors.add(error);
		StepVerifier.create(Mono.never().transformDeferred(MonitorOperator.of("quotes", plain)))
			.expectSubscription()
			.thenCancel()
			.verify();
		assertThat(errors).singleElement().isInstanceOf(java.util.concurrent.CancellationException.class);
	}

	@Test
	void aFailingRecorderNeverFailsTheSubscription() {
		MonitorRecorder failing = (name, type, error, nanos) -> {
			throw new IllegalStateException("broken recorder");
		};
		StepVerifier.create(Mono.just("a").transformDeferred(MonitorOperator.of("quotes", failing)))
			.expectNext("a")
			.verifyComplete();
	}

	record Record(String name, ExecutionType type, String outcome, @Nullable Throwable error, long nanos) {

	}

	static final class Recorded implements MonitorRecorder {

		final List<Record> records = new CopyOnWriteArrayList<>();

		@Override
		public void record(String name, ExecutionType type, @Nullable Throwable error, long nanos) {
			this.records.add(new Record(name, type, (error != null) ? "error" : "success", error, nanos));
		}

		@Override
		public void recordCancelled(String name, ExecutionType type, long nanos) {
			this.records.add(new Record(name, type, "cancelled", null, nanos));
		}

	}

}
