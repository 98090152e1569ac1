package io.lionherd.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * {@link BoundedFanOut}: at most {@code limit} calls in flight, the next one started when
 * one ends, results in input order; fail-fast with cancellation of the calls in flight.
 */
class BoundedFanOutTests {

	/** Calls that the test completes by hand, in the order they were started. */
	private final List<CompletableFuture<String>> started = new ArrayList<>();

	private CompletableFuture<String> start(Integer item) {
		CompletableFuture<String> call = new CompletableFuture<>();
		this.started.add(call);
		return call;
	}

	@Test
	void startsAtMostLimitCallsAtOnce() {
		BoundedFanOut.map(List.of(1, 2, 3, 4, 5), 2, this::start);

		assertThat(this.started).hasSize(2);
	}

	@Test
	void startsTheNextCallWhenOneEnds() {
		BoundedFanOut.map(List.of(1, 2, 3, 4, 5), 2, this::start);

		this.started.get(1).complete("b");

		assertThat(this.started).hasSize(3);
		assertThat(this.started.get(0)).isNotDone();
	}

	@Test
	void resultsAreInInputOrder() {
		CompletableFuture<List<String>> result = BoundedFanOut.map(List.of(1, 2, 3), 2, this::start);

		this.started.get(1).complete("b");
		this.started.get(2).complete("c");
		this.started.get(0).complete("a");

		assertThat(result).isCompletedWithValue(List.of("a", "b", "c"));
	}

	@Test
	void callsThatCompleteAtOnceDoNotNestTheStack() {
		List<Integer> items = new ArrayList<>();
		for (int i = 0; i < 100_000; i++) {
			items.add(i);
		}

		CompletableFuture<List<Integer>> result = BoundedFanOut.map(items, 1, CompletableFuture::completedFuture);

		assertThat(result).isCompletedWithValue(items);
	}

	@Test
	void aFailureFailsTheResultWithItsOwnException() {
		CompletableFuture<List<String>> result = BoundedFanOut.map(List.of(1, 2, 3), 2, this::start);
		IllegalStateException failure = new IllegalStateException("boom");

		this.started.get(1).completeExceptionally(failure);

		assertThat(result).isCompletedExceptionally();
		assertThat(result.handle((value, error) -> error).join()).isSameAs(failure);
	}

	@Test
	void aFailureCancelsTheCallsInFlightAndStartsNoMore() {
		BoundedFanOut.map(List.of(1, 2, 3, 4), 2, this::start);

		this.started.get(1).completeExceptionally(new IllegalStateException("boom"));

		assertThat(this.started).hasSize(2);
		assertThat(this.started.get(0)).isCancelled();
	}

	@Test
	void cancellingTheResultCancelsTheCallsInFlightAndStartsNoMore() {
		CompletableFuture<List<String>> result = BoundedFanOut.map(List.of(1, 2, 3, 4), 2, this::start);

		result.cancel(true);

		assertThat(this.started).hasSize(2).allMatch(CompletableFuture::isCancelled);
	}

	@Test
	void aCallFunctionThatThrowsFailsTheResult() {
		IllegalStateException failure = new IllegalStateException("cannot start");

		CompletableFuture<List<String>> result = BoundedFanOut.map(List.of(1, 2), 1, (item) -> {
			throw failure;
		});

		assertThat(result.handle((value, error) -> error).join()).isSameAs(failure);
	}

	@Test
	void aCancelledCallFailsTheResultWithCancellation() {
		CompletableFuture<List<String>> result = BoundedFanOut.map(List.of(1, 2), 2, this::start);

		this.started.get(0).cancel(true);

		assertThat(result.handle((value, error) -> error).join()).isInstanceOf(CancellationException.class);
		assertThat(this.started.get(1)).isCancelled();
	}

	@Test
	void emptyInputGivesAnEmptyListAtOnce() {
		assertThat(BoundedFanOut.map(List.<Integer>of(), 2, this::start)).isCompletedWithValue(List.of());
	}

	@Test
	void limitBelowOneIsRejectedNamingIt() {
		assertThatIllegalArgumentException().isThrownBy(() -> BoundedFanOut.map(List.of(1), 0, this::start))
			.withMessage("limit must be at least 1, was 0");
	}

	@Test
	void nullItemsAreRejectedNamingThem() {
		assertThatNullPointerException().isThrownBy(() -> BoundedFanOut.map(null, 1, this::start))
			.withMessage("items must not be null");
	}

}
