package io.lionherd.concurrency;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ResultListFuture}, through the gather and bounded-map futures that
 * share it.
 */
class ResultListFutureTests {

	@Test
	void gatherCompletedByTheCallerCancelsItsInputsAndKeepsTheCallersValue() {
		CompletableFuture<String> first = new CompletableFuture<>();
		CompletableFuture<String> second = new CompletableFuture<>();
		CompletableFuture<List<String>> gather = GatherFuture.all(List.of(first, second));

		assertThat(gather.complete(List.of("early"))).isTrue();

		assertThat(first).isCancelled();
		assertThat(second).isCancelled();
		assertThat(gather.join()).containsExactly("early");
	}

	@Test
	void boundedMapCompletedByTheCallerCancelsTheCallsInFlightAndStartsNoMore() {
		CompletableFuture<String> inFlight = new CompletableFuture<>();
		List<Integer> started = new CopyOnWriteArrayList<>();
		CompletableFuture<List<String>> map = BoundedMapFuture.map(List.of(1, 2, 3), 1, (item) -> {
			started.add(item);
			return inFlight;
		});

		assertThat(map.complete(List.of())).isTrue();

		assertThat(inFlight).isCancelled();
		assertThat(started).containsExactly(1);
		assertThat(map.join()).isEmpty();
	}

	@Test
	void secondEarlyEndIsRefused() {
		CompletableFuture<List<String>> gather = GatherFuture.all(List.of(new CompletableFuture<String>()));

		assertThat(gather.completeExceptionally(new IllegalStateException("first"))).isTrue();

		assertThat(gather.cancel(false)).isFalse();
		assertThat(gather.complete(List.of())).isFalse();
		assertThat(gather).isCompletedExceptionally().isNotCancelled();
	}

}
