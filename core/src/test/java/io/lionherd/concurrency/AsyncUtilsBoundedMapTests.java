package io.lionherd.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link AsyncUtils#boundedMap} and {@link AsyncUtils#boundedMapSettled};
 * lionherd's {@code test_patterns.py} bounded_map tests are named where ported.
 */
class AsyncUtilsBoundedMapTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	private final ManualTime time = new ManualTime();

	private final ExecutorService executor = Executors.newFixedThreadPool(16);

	private final AsyncUtils async = this.time.configure(AsyncUtils.builder()).executor(this.executor).build();

	@AfterEach
	void shutdown() throws InterruptedException {
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	private static List<Integer> range(int n) {
		return IntStream.range(0, n).boxed().collect(Collectors.toList());
	}

	@Test
	void theFirstFailureFailsTheWholeCancelsTheCallsInFlightAndStartsNoMore() {
		// test_bounded_map_raises_and_cancels_others
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletableFuture<List<Integer>> result = this.async.boundedMap(range(6), 2, (x) -> {
			CompletableFuture<Integer> call = new CompletableFuture<>();
			calls.add(call);
			return call;
		});
		assertThat(calls).hasSize(2);
		IllegalStateException boom = new IllegalStateException("boom");
		calls.get(1).completeExceptionally(boom);
		assertThat(result).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isSameAs(boom);
		assertThat(calls.get(0)).isCancelled();
		assertThat(calls).as("nothing started after the failure").hasSize(2);
	}

	@Test
	void fnIsCalledOnlyAsSlotsFree() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletableFuture<List<Integer>> result = this.async.boundedMap(range(5), 2, (x) -> {
			CompletableFuture<Integer> call = new CompletableFuture<>();
			calls.add(call);
			return call;
		});
		assertThat(calls).hasSize(2);
		calls.get(1).complete(10);
		assertThat(calls).hasSize(3);
		calls.get(0).complete(0);
		calls.get(2).complete(20);
		assertThat(calls).hasSize(5);
		calls.get(4).complete(40);
		calls.get(3).complete(30);
		assertThat(result).isCompletedWithValue(List.of(0, 10, 20, 30, 40));
	}

	@Test
	void noItemsGiveAnEmptyList() {
		// test_bounded_map_empty_and_large_limit
		assertThat(this.async.boundedMap(List.of(), 999, (x) -> CompletableFuture.completedFuture(x)))
			.isCompletedWithValue(List.of());
	}

	@Test
	void neverMoreThanLimitInFlightAndResultsInOrder() {
		// test_bounded_map_respects_limit
		AtomicInteger current = new AtomicInteger();
		AtomicInteger max = new AtomicInteger();
		CompletableFuture<List<Integer>> result = this.async.boundedMap(range(10), 3, (x) -> {
			max.accumulateAndGet(current.incrementAndGet(), Math::max);
			return this.async.sleep(Duration.ofMillis(1)).thenApply((ignored) -> {
				current.decrementAndGet();
				return x;
			});
		});
		for (int i = 0; i < 10 && !result.isDone(); i++) {
			this.time.advance(Duration.ofMillis(1));
		}
		assertThat(result).isCompletedWithValue(range(10));
		assertThat(max).hasValue(3);
	}

	@Test
	void neverMoreThanLimitInFlightUnderContention() {
		AtomicInteger current = new AtomicInteger();
		AtomicInteger max = new AtomicInteger();
		CompletableFuture<List<Integer>> result = this.async.boundedMap(range(10_000), 8,
				(x) -> this.async.runSync(() -> {
					max.accumulateAndGet(current.incrementAndGet(), Math::max);
					Thread.yield();
					current.decrementAndGet();
					return x * 2;
				}));
		assertThat(result).succeedsWithin(WAIT)
			.isEqualTo(range(10_000).stream().map((x) -> x * 2).collect(Collectors.toList()));
		assertThat(max.get()).isBetween(1, 8);
	}

	@Test
	void settledGivesOneOutcomePerItemInOrder() {
		// test_bounded_map_with_return_exceptions
		CompletableFuture<List<Outcome<Integer>>> result = this.async.boundedMapSettled(range(9), 3,
				(x) -> this.async.sleep(Duration.ofMillis(1)).thenApply((ignored) -> {
					if (x % 3 == 0) {
						throw new IllegalStateException("error_" + x);
					}
					return x * 2;
				}));
		for (int i = 0; i < 9 && !result.isDone(); i++) {
			this.time.advance(Duration.ofMillis(1));
		}
		assertThat(result).isCompleted();
		List<Outcome<Integer>> outcomes = result.join();
		assertThat(outcomes).hasSize(9);
		for (int i = 0; i < 9; i++) {
			if (i % 3 == 0) {
				assertThat(outcomes.get(i)).isInstanceOfSatisfying(Outcome.Failure.class,
						(failure) -> assertThat(failure.error()).isInstanceOf(IllegalStateException.class)
							.hasMessage("error_" + failure.error().getMessage().substring(6)));
				assertThat(((Outcome.Failure<Integer>) outcomes.get(i)).error()).hasMessage("error_" + i);
			}
			else {
				assertThat(outcomes.get(i)).isEqualTo(new Outcome.Success<>(i * 2));
			}
		}
	}

	@Test
	void aLimitBelowOneIsRejectedAtTheCall() {
		// test_bounded_map_invalid_limit
		AsyncFunction<Integer, Integer> fn = CompletableFuture::completedFuture;
		assertThatIllegalArgumentException().isThrownBy(() -> this.async.boundedMap(List.of(1, 2, 3), 0, fn))
			.withMessageContaining("limit");
		assertThatIllegalArgumentException().isThrownBy(() -> this.async.boundedMapSettled(List.of(1, 2, 3), -1, fn))
			.withMessageContaining("limit");
		assertThatNullPointerException().isThrownBy(() -> this.async.boundedMap(null, 1, fn))
			.withMessageContaining("items");
		assertThatNullPointerException().isThrownBy(() -> this.async.boundedMap(List.of(1), 1, null))
			.withMessageContaining("fn");
	}

	@Test
	void resultsKeepInputOrderForAnyLimit() {
		// test_bounded_map_preserves_order_property
		Random random = new Random(42);
		for (int example = 0; example < 50; example++) {
			List<Integer> values = new ArrayList<>();
			int size = random.nextInt(51);
			for (int i = 0; i < size; i++) {
				values.add(random.nextInt());
			}
			int limit = 1 + random.nextInt(10);
			CompletableFuture<List<Integer>> result = this.async.boundedMap(values, limit,
					(x) -> this.async.sleep(Duration.ofNanos(1 + random.nextInt(5))).thenApply((ignored) -> x));
			while (!result.isDone()) {
				this.time.advance(Duration.ofNanos(1));
			}
			assertThat(result).isCompletedWithValue(values);
		}
	}

	@Test
	void cancellingTheResultCancelsTheCallsInFlightAndStartsNoMore() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletableFuture<List<Integer>> result = this.async.boundedMap(range(5), 2, (x) -> {
			CompletableFuture<Integer> call = new CompletableFuture<>();
			calls.add(call);
			return call;
		});
		assertThat(result.cancel(true)).isTrue();
		assertThat(calls).hasSize(2).allSatisfy((call) -> assertThat(call).isCancelled());
	}

	@Test
	void fnThrowingOrReturningNullFailsTheWhole() {
		IllegalStateException thrown = new IllegalStateException("thrown");
		assertThat(this.async.boundedMap(range(3), 1, (x) -> {
			throw thrown;
		})).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isSameAs(thrown);
		assertThat(this.async.boundedMap(range(3), 1, (x) -> null)).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(NullPointerException.class)
			.withMessageContaining("fn");
	}

	@Test
	void stagesCompletingAtOnceDoNotRecurse() {
		assertThat(this.async.boundedMap(range(200_000), 4, (x) -> CompletableFuture.completedFuture(x)))
			.succeedsWithin(WAIT)
			.satisfies((list) -> assertThat(list).hasSize(200_000).endsWith(199_999));
		assertThat(this.async.boundedMapSettled(range(200_000), 4,
				(x) -> CompletableFuture.failedFuture(new IllegalStateException())))
			.succeedsWithin(WAIT)
			.satisfies((list) -> assertThat(list).hasSize(200_000));
	}

	@Test
	void callsOfFnRunInTheCallersScopeAndAreCancelledAtTheDeadline() {
		List<CompletableFuture<Void>> sleeps = new CopyOnWriteArrayList<>();
		List<Boolean> inScope = new CopyOnWriteArrayList<>();
		CompletableFuture<List<Void>> scoped = this.async.failAfter(Duration.ofMillis(15),
				() -> this.async.boundedMap(range(4), 1, (x) -> {
					inScope.add(this.async.effectiveDeadline().isPresent());
					CompletableFuture<Void> sleep = this.async.sleep(Duration.ofMillis(10));
					sleeps.add(sleep);
					return sleep;
				}));
		this.time.advance(Duration.ofMillis(10));
		assertThat(sleeps).hasSize(2);
		this.time.advance(Duration.ofMillis(5));
		assertThat(scoped).isCompletedExceptionally();
		assertThat(sleeps.get(1)).isCancelled();
		assertThat(inScope).containsExactly(true, true);
		assertThat(this.time.pendingCount()).isZero();
	}

}
