package io.lionherd.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link AsyncUtils#completionStream} and
 * {@link AsyncUtils#completionStreamSettled} through {@link CompletionStream#next()};
 * lionherd-core's {@code tests/libs/concurrency/test_completion_stream.py} tests are
 * named where ported. Time is a {@link ManualTime}: a body "taking" {@code x} ms sleeps
 * {@code x} ms on it.
 */
class AsyncUtilsCompletionStreamTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	private final ManualTime time = new ManualTime();

	private final ExecutorService executor = Executors.newFixedThreadPool(8);

	private final AsyncUtils async = this.time.configure(AsyncUtils.builder()).executor(this.executor).build();

	@AfterEach
	void shutdown() throws InterruptedException {
		MDC.clear();
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	/**
	 * Bodies that sleep {@code millis(i)} ms on the manual clock, then give
	 * {@code value(i)}.
	 */
	private List<AsyncCallable<Object>> sleeping(int n, IntFunction<Integer> millis, IntFunction<Object> value) {
		List<AsyncCallable<Object>> bodies = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			int x = i;
			bodies
				.add(() -> this.async.sleep(Duration.ofMillis(millis.apply(x))).thenApply((ignored) -> value.apply(x)));
		}
		return bodies;
	}

	/** Bodies returning the sleep itself, so that cancelling their stage cancels it. */
	private List<AsyncCallable<Void>> sleeps(int n, IntFunction<Integer> millis) {
		List<AsyncCallable<Void>> bodies = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			int x = i;
			bodies.add(() -> this.async.sleep(Duration.ofMillis(millis.apply(x))));
		}
		return bodies;
	}

	/** Bodies returning futures the test completes, recorded as they are called. */
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

	/** Reads every completion, advancing the clock 1 ms whenever none is ready. */
	private <T> List<Completed<T>> drainAll(CompletionStream<T> stream) {
		List<Completed<T>> all = new ArrayList<>();
		for (int guard = 0; guard < 100_000; guard++) {
			CompletableFuture<Optional<Completed<T>>> next = stream.next();
			while (!next.isDone()) {
				this.time.advance(Duration.ofMillis(1));
			}
			Optional<Completed<T>> completed = next.join();
			if (completed.isEmpty()) {
				return all;
			}
			all.add(completed.get());
		}
		throw new AssertionError("stream never ended");
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_basic_usage")
	void yieldsEveryBodysIndexAndResult() {
		try (CompletionStream<Object> stream = this.async.completionStream(sleeping(5, (x) -> x, (x) -> x * 2), 5)) {
			Map<Integer, Object> results = new HashMap<>();
			drainAll(stream).forEach((completed) -> results.put(completed.index(), completed.value()));
			assertThat(results).isEqualTo(Map.of(0, 0, 1, 2, 2, 4, 3, 6, 4, 8));
		}
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_preserves_index_result_pairs")
	void yieldsInCompletionOrderEachWithItsInputIndex() {
		CompletionStream<Object> stream = this.async.completionStream(sleeping(5, (x) -> 10 - x, (x) -> "result_" + x),
				5);
		List<Completed<Object>> results = drainAll(stream);
		assertThat(results).extracting(Completed::index).containsExactly(4, 3, 2, 1, 0);
		assertThat(results)
			.allSatisfy((completed) -> assertThat(completed.value()).isEqualTo("result_" + completed.index()));
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_handles_slow_tasks")
	void completionOrderFollowsTheClockUnderALimit() {
		// limit 3 over bodies taking 10, 9, ..., 1 ms: 0, 1, 2 start at 0 and end at 10,
		// 9,
		// 8; 3, 4, 5 start at 8, 9, 10 and all end at 15 (in that order); 6, 7, 8 start
		// at 15 and end at 19, 18, 17; 9 starts at 17 and ends at 18, after 7.
		CompletionStream<Object> stream = this.async.completionStream(sleeping(10, (x) -> 10 - x, (x) -> x), 3);
		List<Completed<Object>> results = drainAll(stream);
		assertThat(results).extracting(Completed::index).containsExactly(2, 1, 0, 3, 4, 5, 8, 7, 9, 6);
		assertThat(results).allSatisfy((completed) -> assertThat(completed.value()).isEqualTo(completed.index()));
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_empty_awaitables")
	void anEmptyInputIsEmptyAtOnce() {
		CompletionStream<Integer> stream = this.async.completionStream(List.<AsyncCallable<Integer>>of(), 3);
		assertThat(stream.next()).isCompletedWithValue(Optional.empty());
		assertThat(stream.next()).isCompletedWithValue(Optional.empty());
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_with_limit")
	void neverMoreThanLimitRunAtOnce() {
		AtomicInteger current = new AtomicInteger();
		AtomicInteger max = new AtomicInteger();
		List<AsyncCallable<Integer>> bodies = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			int x = i;
			bodies.add(() -> {
				max.accumulateAndGet(current.incrementAndGet(), Math::max);
				return this.async.sleep(Duration.ofMillis(10)).thenApply((ignored) -> {
					current.decrementAndGet();
					return x;
				});
			});
		}
		assertThat(drainAll(this.async.completionStream(bodies, 3))).hasSize(10);
		assertThat(max).hasValue(3);
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_limit_none_allows_all_concurrent")
	void aLimitOfTheInputSizeStartsEveryBodyAtOnce() {
		// lionherd's limit=None; here a limit as large as the input
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletionStream<Integer> stream = this.async.completionStream(manual(8, calls), 8);
		assertThat(calls).hasSize(8);
		stream.close();
	}

	@Test
	void atMostLimitRunAtOnceUnderRealContention() {
		AtomicInteger current = new AtomicInteger();
		AtomicInteger max = new AtomicInteger();
		List<AsyncCallable<Integer>> bodies = new ArrayList<>();
		for (int i = 0; i < 2_000; i++) {
			int x = i;
			bodies.add(() -> this.async.runSync(() -> {
				max.accumulateAndGet(current.incrementAndGet(), Math::max);
				Thread.yield();
				current.decrementAndGet();
				return x;
			}));
		}
		Set<Integer> seen = new HashSet<>();
		try (CompletionStream<Integer> stream = this.async.completionStream(bodies, 4)) {
			for (Optional<Completed<Integer>> next = stream.next().join(); next
				.isPresent(); next = stream.next().join()) {
				assertThat(next.get().value()).isEqualTo(next.get().index());
				seen.add(next.get().index());
			}
		}
		assertThat(seen).hasSize(2_000);
		assertThat(max.get()).isBetween(1, 4);
	}

	@Test
	void bodiesStartOnlyAsSlotsFree() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletionStream<Integer> stream = this.async.completionStream(manual(5, calls), 2);
		assertThat(calls).hasSize(2);
		calls.get(1).complete(10);
		assertThat(calls).as("a slot frees when a body completes, read or not").hasSize(3);
		assertThat(stream.next()).isCompletedWithValue(Optional.of(new Completed<>(1, 10)));
		calls.get(0).complete(0);
		calls.get(2).complete(20);
		assertThat(calls).hasSize(5);
		assertThat(stream.next()).isCompletedWithValue(Optional.of(new Completed<>(0, 0)));
		assertThat(stream.next()).isCompletedWithValue(Optional.of(new Completed<>(2, 20)));
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_early_break_exits_cleanly")
	void closeMidwayCancelsTheRunningBodiesAndNeverStartsTheRest() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletionStream<Integer> stream = this.async.completionStream(manual(20, calls), 5);
		calls.get(3).complete(3);
		assertThat(stream.next()).isCompletedWithValue(Optional.of(new Completed<>(3, 3)));
		stream.close();
		assertThat(calls).as("nothing started after close").hasSize(6);
		assertThat(calls).filteredOn((call) -> call != calls.get(3))
			.allSatisfy((call) -> assertThat(call).isCancelled());
		assertThat(stream.next()).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.isInstanceOf(CancellationException.class);
	}

	@Test
	void closeInterruptsARunSyncBodysWorkerAndRemovesQueuedOnes() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		List<AsyncCallable<Object>> bodies = List.of(() -> this.async.runSync(() -> {
			started.countDown();
			try {
				Thread.sleep(60_000);
			}
			catch (InterruptedException ex) {
				interrupted.countDown();
			}
			return null;
		}));
		CompletionStream<Object> stream = this.async.completionStream(bodies, 1);
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		stream.close();
		assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_partial_consumption_then_break")
	void partialConsumptionThenCloseFailsLaterCallsWithCancellation() {
		CompletionStream<Void> stream = this.async.completionStream(sleeps(10, (x) -> 1), 3);
		this.time.advance(Duration.ofMillis(1));
		List<Integer> consumed = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			consumed.add(stream.next().join().orElseThrow().index());
		}
		stream.close();
		assertThat(consumed).containsExactly(0, 1, 2);
		assertThat(this.time.pendingCount()).as("the running sleeps left the timer").isZero();
		assertThat(stream.next()).isCompletedExceptionally();
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_consume_all_results")
	void consumingEverythingUnderALimitGivesEveryResult() {
		List<Completed<Object>> results = drainAll(
				this.async.completionStream(sleeping(10, (x) -> 1, (x) -> x * 2), 3));
		assertThat(results).extracting(Completed::value).containsExactlyInAnyOrder(0, 2, 4, 6, 8, 10, 12, 14, 16, 18);
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_exception_propagation")
	void aFailureFailsNextWithTheBodysOwnExceptionAndClosesTheStream() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletionStream<Integer> stream = this.async.completionStream(manual(10, calls), 5);
		IllegalStateException boom = new IllegalStateException("Task 3 failed");
		calls.get(3).completeExceptionally(boom);
		assertThat(stream.next()).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isSameAs(boom);
		assertThat(calls).as("nothing started after the failure").hasSize(5);
		assertThat(calls).filteredOn((call) -> call != calls.get(3))
			.allSatisfy((call) -> assertThat(call).isCancelled());
		assertThat(stream.next()).as("the failure stays")
			.failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isSameAs(boom);
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_cleanup_on_exception")
	void completionsBeforeTheFailureAreYieldedFirst() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletionStream<Integer> stream = this.async.completionStream(manual(5, calls), 2);
		calls.get(0).complete(0);
		IllegalStateException boom = new IllegalStateException("Intentional failure");
		calls.get(2).completeExceptionally(boom);
		assertThat(calls.get(1)).isCancelled();
		assertThat(calls).hasSize(3);
		assertThat(stream.next()).isCompletedWithValue(Optional.of(new Completed<>(0, 0)));
		assertThat(stream.next()).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isSameAs(boom);
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_exception_early_in_iteration")
	void aBodyThatThrowsOrReturnsNullIsAFailureOfThatBody() {
		RuntimeException thrown = new RuntimeException("Task 0 fails immediately");
		List<AsyncCallable<Integer>> bodies = new ArrayList<>();
		bodies.add(() -> {
			throw thrown;
		});
		CompletionStream<Integer> stream = this.async.completionStream(bodies, 3);
		assertThat(stream.next()).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isSameAs(thrown);
		CompletionStream<Outcome<Integer>> settled = this.async.completionStreamSettled(List.of(() -> null), 1);
		assertThat(settled.next().join().orElseThrow().value()).isInstanceOfSatisfying(Outcome.Failure.class,
				(failure) -> assertThat(failure.error()).isInstanceOf(NullPointerException.class)
					.hasMessage("stage returned by body 0 must not be null"));
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_proper_cleanup_in_aexit")
	void consumeOneThenCloseCancelsWhatRuns() {
		CompletionStream<Void> stream = this.async.completionStream(sleeps(5, (x) -> 1 + x), 2);
		this.time.advance(Duration.ofMillis(1));
		assertThat(stream.next().join()).contains(new Completed<>(0, null));
		stream.close();
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_single_task")
	void aSingleBody() {
		assertThat(drainAll(this.async.completionStream(sleeping(1, (x) -> 1, (x) -> "single_result"), 1)))
			.containsExactly(new Completed<>(0, "single_result"));
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_stop_async_iteration")
	void nextIsEmptyOnceEveryBodyWasYielded() {
		CompletionStream<Object> stream = this.async.completionStream(sleeping(3, (x) -> 1, (x) -> x), 3);
		this.time.advance(Duration.ofMillis(1));
		for (int i = 0; i < 3; i++) {
			assertThat(stream.next().join()).isPresent();
		}
		assertThat(stream.next()).isCompletedWithValue(Optional.empty());
		stream.close();
		assertThat(stream.next()).as("nothing was lost by closing").isCompletedWithValue(Optional.empty());
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_with_immediate_results")
	void bodiesWithImmediateResults() {
		List<AsyncCallable<Integer>> bodies = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			int x = i;
			bodies.add(() -> CompletableFuture.completedFuture(x * 2));
		}
		CompletionStream<Integer> stream = this.async.completionStream(bodies, 2);
		for (int i = 0; i < 5; i++) {
			assertThat(stream.next()).isCompletedWithValue(Optional.of(new Completed<>(i, i * 2)));
		}
		assertThat(stream.next()).isCompletedWithValue(Optional.empty());
	}

	@Test
	@DisplayName("ported from tests/libs/concurrency/test_completion_stream.py::test_completion_stream_realistic_workload")
	void mixedSpeedWorkload() {
		Random random = new Random(7);
		int[] delays = random.ints(20, 1, 11).toArray();
		List<Completed<Object>> results = drainAll(
				this.async.completionStream(sleeping(20, (x) -> delays[x], (x) -> x * x), 5));
		assertThat(results).hasSize(20);
		assertThat(results)
			.allSatisfy((completed) -> assertThat(completed.value()).isEqualTo(completed.index() * completed.index()));
	}

	@Test
	void tenThousandCompletedBodiesDrainWithoutOverflowingTheStack() {
		List<AsyncCallable<Integer>> bodies = new ArrayList<>();
		for (int i = 0; i < 10_000; i++) {
			CompletableFuture<Integer> done = CompletableFuture.completedFuture(i);
			bodies.add(() -> done);
		}
		for (int limit : new int[] { 1, 10_000 }) {
			CompletionStream<Integer> stream = this.async.completionStream(bodies, limit);
			int count = 0;
			while (stream.next().join().isPresent()) {
				count++;
			}
			assertThat(count).isEqualTo(10_000);
		}
	}

	@Test
	void nextCallsFromContinuationsAreServedByTheLoopNotByRecursion() {
		// While the first completion's continuation runs, the 9 999 other bodies
		// complete:
		// each later next() its continuation makes is served by the loop once it returns.
		List<CompletableFuture<Integer>> calls = Collections.synchronizedList(new ArrayList<>());
		CompletionStream<Integer> stream = this.async.completionStream(manual(10_000, calls), 10_000);
		AtomicInteger count = new AtomicInteger();
		CompletableFuture<Void> done = new CompletableFuture<>();
		readAll(stream, count, done, () -> {
			for (int i = 1; i < calls.size(); i++) {
				calls.get(i).complete(i);
			}
		});
		calls.get(0).complete(0);
		assertThat(done).isCompleted();
		assertThat(count).hasValue(10_000);
	}

	private static void readAll(CompletionStream<Integer> stream, AtomicInteger count, CompletableFuture<Void> done,
			Runnable onFirst) {
		stream.next().whenComplete((next, error) -> {
			if (error != null) {
				done.completeExceptionally(error);
			}
			else if (next.isEmpty()) {
				done.complete(null);
			}
			else {
				if (count.incrementAndGet() == 1) {
					onFirst.run();
				}
				readAll(stream, count, done, onFirst);
			}
		});
	}

	@Test
	void concurrentNextCallsEachGetTheNextCompletionInOrder() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletionStream<Integer> stream = this.async.completionStream(manual(3, calls), 3);
		CompletableFuture<Optional<Completed<Integer>>> first = stream.next();
		CompletableFuture<Optional<Completed<Integer>>> second = stream.next();
		CompletableFuture<Optional<Completed<Integer>>> third = stream.next();
		CompletableFuture<Optional<Completed<Integer>>> fourth = stream.next();
		calls.get(2).complete(2);
		calls.get(0).complete(0);
		assertThat(first).isCompletedWithValue(Optional.of(new Completed<>(2, 2)));
		assertThat(second).isCompletedWithValue(Optional.of(new Completed<>(0, 0)));
		assertThat(third).isNotDone();
		calls.get(1).complete(1);
		assertThat(third).isCompletedWithValue(Optional.of(new Completed<>(1, 1)));
		assertThat(fourth).isCompletedWithValue(Optional.empty());
	}

	@Test
	void cancellingAPendingNextLosesNoCompletion() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletionStream<Integer> stream = this.async.completionStream(manual(2, calls), 2);
		CompletableFuture<Optional<Completed<Integer>>> abandoned = stream.next();
		CompletableFuture<Optional<Completed<Integer>>> timedOut = stream.next();
		CompletableFuture<Optional<Completed<Integer>>> waiting = stream.next();
		assertThat(abandoned.cancel(true)).isTrue();
		timedOut.completeExceptionally(new TimeoutException("gave up"));
		calls.get(1).complete(1);
		assertThat(waiting).isCompletedWithValue(Optional.of(new Completed<>(1, 1)));
		assertThat(calls.get(0)).as("cancelling a next() cancels no body").isNotDone();
		calls.get(0).complete(0);
		assertThat(stream.next()).isCompletedWithValue(Optional.of(new Completed<>(0, 0)));
		assertThat(stream.next()).isCompletedWithValue(Optional.empty());
	}

	@Test
	void concurrentReadersCancellingAtRandomGetEveryCompletionExactlyOnce() throws Exception {
		int n = 5_000;
		List<AsyncCallable<Integer>> bodies = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			int x = i;
			bodies.add(() -> this.async.runSync(() -> x));
		}
		CompletionStream<Integer> stream = this.async.completionStream(bodies, 8);
		List<Integer> read = Collections.synchronizedList(new ArrayList<>());
		ExecutorService readers = Executors.newFixedThreadPool(4);
		try {
			List<Future<?>> done = new ArrayList<>();
			for (int r = 0; r < 4; r++) {
				long seed = r;
				done.add(readers.submit(() -> {
					Random random = new Random(seed);
					for (;;) {
						CompletableFuture<Optional<Completed<Integer>>> next = stream.next();
						if (random.nextInt(3) == 0 && next.cancel(true)) {
							continue;
						}
						Optional<Completed<Integer>> completed = next.join();
						if (completed.isEmpty()) {
							return;
						}
						read.add(completed.get().index());
					}
				}));
			}
			for (Future<?> reader : done) {
				reader.get(WAIT.toSeconds(), TimeUnit.SECONDS);
			}
		}
		finally {
			readers.shutdownNow();
		}
		assertThat(read).hasSize(n).doesNotHaveDuplicates();
	}

	@Test
	void settledYieldsOutcomesAndRunsEveryBody() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletionStream<Outcome<Integer>> stream = this.async.completionStreamSettled(manual(4, calls), 2);
		IllegalStateException boom = new IllegalStateException("boom");
		calls.get(1).completeExceptionally(boom);
		calls.get(0).complete(0);
		assertThat(calls).as("a failure starts the next body too").hasSize(4);
		calls.get(3).cancel(true);
		calls.get(2).complete(2);
		List<Completed<Outcome<Integer>>> all = new ArrayList<>();
		for (Optional<Completed<Outcome<Integer>>> next = stream.next().join(); next
			.isPresent(); next = stream.next().join()) {
			all.add(next.get());
		}
		assertThat(all).hasSize(4);
		assertThat(all.get(0)).isEqualTo(new Completed<>(1, new Outcome.Failure<>(boom)));
		assertThat(all.get(1)).isEqualTo(new Completed<>(0, new Outcome.Success<>(0)));
		assertThat(all.get(2).index()).isEqualTo(3);
		assertThat(all.get(2).value()).isInstanceOfSatisfying(Outcome.Failure.class,
				(failure) -> assertThat(failure.error()).isInstanceOf(CancellationException.class));
		assertThat(all.get(3)).isEqualTo(new Completed<>(2, new Outcome.Success<>(2)));
	}

	@Test
	void badArgumentsAreRejectedAtTheCallNamingThem() {
		AsyncCallable<Integer> body = () -> CompletableFuture.completedFuture(1);
		assertThatIllegalArgumentException().isThrownBy(() -> this.async.completionStream(List.of(body), 0))
			.withMessage("limit must be at least 1, but was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> this.async.completionStreamSettled(List.of(body), -1))
			.withMessage("limit must be at least 1, but was -1");
		assertThatNullPointerException().isThrownBy(() -> this.async.completionStream(null, 1))
			.withMessage("bodies must not be null");
		List<AsyncCallable<Integer>> withNull = new ArrayList<>();
		withNull.add(body);
		withNull.add(null);
		assertThatNullPointerException().isThrownBy(() -> this.async.completionStream(withNull, 1))
			.withMessage("bodies must not contain null, but element 1 is null");
	}

	@Test
	void aDeadlineCancelsTheRunningBodiesAndStartsNoMore() {
		List<CompletableFuture<Void>> sleeps = new CopyOnWriteArrayList<>();
		AtomicInteger started = new AtomicInteger();
		List<AsyncCallable<Void>> bodies = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			bodies.add(() -> {
				started.incrementAndGet();
				CompletableFuture<Void> sleep = this.async.sleep(Duration.ofMillis(30));
				sleeps.add(sleep);
				return sleep;
			});
		}
		CompletableFuture<Optional<Completed<Void>>> first = new CompletableFuture<>();
		CompletableFuture<Void> scope = this.async.failAfter(Duration.ofMillis(40), () -> {
			CompletionStream<Void> stream = this.async.completionStream(bodies, 2);
			stream.next().whenComplete((next, error) -> first.complete(next));
			return stream.next().thenCompose((ignored) -> stream.next()).thenApply((ignored) -> null);
		});
		this.time.advance(Duration.ofMillis(30));
		assertThat(started).as("two ended at 30 ms, two more started").hasValue(4);
		assertThat(first.join()).isPresent();
		this.time.advance(Duration.ofMillis(10));
		assertThat(scope).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.havingCause()
			.isInstanceOf(TimeoutException.class);
		assertThat(sleeps.subList(2, 4)).allSatisfy((sleep) -> assertThat(sleep).isCancelled());
		assertThat(this.time.pendingCount()).isZero();
		this.time.advance(Duration.ofMillis(100));
		assertThat(started).as("nothing started after the deadline").hasValue(4);
	}

	@Test
	void bodiesStartedLaterRunInTheCallersContextAndScope() {
		MDC.put("requestId", "r-7");
		List<String> seen = new CopyOnWriteArrayList<>();
		List<AsyncCallable<Object>> bodies = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			bodies.add(() -> {
				seen.add(MDC.get("requestId") + " " + this.async.effectiveDeadline().isPresent());
				return this.async.sleep(Duration.ofMillis(1)).thenApply((ignored) -> null);
			});
		}
		CompletableFuture<Optional<Object>> scope = this.async.moveOnAfter(Duration.ofSeconds(10), () -> {
			CompletionStream<Object> stream = this.async.completionStream(bodies, 1);
			return stream.next()
				.thenCompose((ignored) -> stream.next())
				.thenCompose((ignored) -> stream.next())
				.thenApply((ignored) -> (Object) "all three");
		});
		MDC.clear();
		// The timer's wake-ups (run here, by the test thread) start the later bodies.
		this.time.advance(Duration.ofMillis(1));
		this.time.advance(Duration.ofMillis(1));
		this.time.advance(Duration.ofMillis(1));
		assertThat(scope).isDone();
		assertThat(seen).containsExactly("r-7 true", "r-7 true", "r-7 true");
	}

}
