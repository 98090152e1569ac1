package io.lionherd.concurrency;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CompletionStream#publisher()}: demand, cancel, failure and the single
 * subscriber; {@link CompletionStreamPublisherTckTests} runs the Reactive Streams TCK
 * over it too.
 */
class CompletionStreamPublisherTests {

	private final AsyncUtils async = AsyncUtils.create(ManualTime.DIRECT);

	private static List<AsyncCallable<Integer>> completed(int n) {
		List<AsyncCallable<Integer>> bodies = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			CompletableFuture<Integer> done = CompletableFuture.completedFuture(i);
			bodies.add(() -> done);
		}
		return bodies;
	}

	private static List<AsyncCallable<Integer>> manual(int n, List<CompletableFuture<Integer>> calls) {
		List<AsyncCallable<Integer>> bodies = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			bodies.add(() -> {
				CompletableFuture<Integer> call = new CompletableFuture<>();
				calls.add(call);
				return call;
			});
		}
		return bodies;
	}

	@Test
	void deliversNoMoreThanRequested() {
		Recorder recorder = new Recorder(0);
		this.async.completionStream(completed(5), 5).publisher().subscribe(recorder);
		assertThat(recorder.values).isEmpty();
		recorder.subscription.request(1);
		assertThat(recorder.values).containsExactly(0);
		recorder.subscription.request(2);
		assertThat(recorder.values).containsExactly(0, 1, 2);
		assertThat(recorder.completed).isFalse();
		recorder.subscription.request(10);
		assertThat(recorder.values).containsExactly(0, 1, 2, 3, 4);
		assertThat(recorder.completed).isTrue();
	}

	@Test
	void requestOneFromOnNextOverTenThousandCompletedBodiesStaysFlat() {
		Recorder recorder = new Recorder(1) {
			@Override
			public void onNext(Completed<Integer> item) {
				super.onNext(item);
				this.subscription.request(1);
			}
		};
		this.async.completionStream(completed(10_000), 1).publisher().subscribe(recorder);
		assertThat(recorder.values).hasSize(10_000);
		assertThat(recorder.completed).isTrue();
	}

	@Test
	void elementsArrivingLaterAreDeliveredAsDemandAllows() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		Recorder recorder = new Recorder(1);
		this.async.completionStream(manual(3, calls), 3).publisher().subscribe(recorder);
		calls.get(2).complete(2);
		calls.get(0).complete(0);
		assertThat(recorder.values).containsExactly(2);
		recorder.subscription.request(5);
		assertThat(recorder.values).containsExactly(2, 0);
		calls.get(1).complete(1);
		assertThat(recorder.values).containsExactly(2, 0, 1);
		assertThat(recorder.completed).isTrue();
	}

	@Test
	void cancelClosesTheStream() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		Recorder recorder = new Recorder(1);
		this.async.completionStream(manual(10, calls), 3).publisher().subscribe(recorder);
		calls.get(1).complete(1);
		assertThat(recorder.values).containsExactly(1);
		recorder.subscription.cancel();
		assertThat(calls).hasSize(4)
			.filteredOn((call) -> call != calls.get(1))
			.allSatisfy((call) -> assertThat(call).isCancelled());
		assertThat(recorder.error).as("no signal after cancel").isNull();
		assertThat(recorder.completed).isFalse();
	}

	@Test
	void aFailureIsSignalledWithTheBodysOwnExceptionWithoutDemand() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		Recorder recorder = new Recorder(0);
		this.async.completionStream(manual(3, calls), 3).publisher().subscribe(recorder);
		IllegalStateException boom = new IllegalStateException("boom");
		calls.get(1).completeExceptionally(boom);
		assertThat(recorder.error).isSameAs(boom);
		assertThat(calls.get(0)).isCancelled();
	}

	@Test
	void aCloseBeforeEverythingWasYieldedIsSignalledAsCancellation() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		Recorder recorder = new Recorder(1);
		CompletionStream<Integer> stream = this.async.completionStream(manual(2, calls), 2);
		stream.publisher().subscribe(recorder);
		stream.close();
		assertThat(recorder.error).isInstanceOf(CancellationException.class);
	}

	@Test
	void aSecondSubscriberIsRefused() {
		CompletionStream<Integer> stream = this.async.completionStream(completed(2), 2);
		Recorder first = new Recorder(Long.MAX_VALUE);
		Recorder second = new Recorder(Long.MAX_VALUE);
		stream.publisher().subscribe(first);
		stream.publisher().subscribe(second);
		assertThat(first.values).containsExactly(0, 1);
		assertThat(second.subscription).isNotNull();
		assertThat(second.error).isInstanceOf(IllegalStateException.class).hasMessageContaining("single subscriber");
	}

	@Test
	void aRequestOfZeroIsSignalledAsIllegalArgumentAndClosesTheStream() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		Recorder recorder = new Recorder(0);
		this.async.completionStream(manual(2, calls), 2).publisher().subscribe(recorder);
		recorder.subscription.request(0);
		assertThat(recorder.error).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3.9");
		assertThat(calls).allSatisfy((call) -> assertThat(call).isCancelled());
	}

	/** Records the signals; requests {@code initial} on subscribe. */
	static class Recorder implements Flow.Subscriber<Completed<Integer>> {

		final List<Integer> values = Collections.synchronizedList(new ArrayList<>());

		private final long initial;

		Flow.Subscription subscription;

		volatile @Nullable Throwable error;

		volatile boolean completed;

		Recorder(long initial) {
			this.initial = initial;
		}

		@Override
		public void onSubscribe(Flow.Subscription subscription) {
			this.subscription = subscription;
			if (this.initial > 0) {
				subscription.request(this.initial);
			}
		}

		@Override
		public void onNext(Completed<Integer> item) {
			this.values.add(item.value());
		}

		@Override
		public void onError(Throwable throwable) {
			this.error = throwable;
		}

		@Override
		public void onComplete() {
			this.completed = true;
		}

	}

}
