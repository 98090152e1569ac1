package io.lionherd.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link AsyncUtils#gather} and {@link AsyncUtils#gatherSettled}.
 */
class AsyncUtilsGatherTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final ExecutorService executor = Executors.newFixedThreadPool(4);

	private final AsyncUtils asyncUtils = AsyncUtils.create(this.executor);

	@AfterEach
	void shutdown() throws InterruptedException {
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void gatherKeepsInputOrderWhateverTheCompletionOrder() {
		CompletableFuture<String> a = new CompletableFuture<>();
		CompletableFuture<String> b = new CompletableFuture<>();
		CompletableFuture<String> c = new CompletableFuture<>();
		CompletableFuture<List<String>> all = this.asyncUtils.gather(a, b, c);
		c.complete("task-C");
		b.complete("task-B");
		assertThat(all).isNotDone();
		a.complete("task-A");
		assertThat(all).succeedsWithin(WAIT).isEqualTo(List.of("task-A", "task-B", "task-C"));
	}

	@Test
	void gatherRunsBlockingTasksInParallel() {
		// The notebook recipe: three blocking calls run at the same time, not one after
		// the other. Each blocks until all three have started, so a sequential run never
		// finishes (its first call gives up and fails the gather).
		CountDownLatch allStarted = new CountDownLatch(3);
		CompletableFuture<List<String>> all = this.asyncUtils.gather(blocking("task-A", allStarted),
				blocking("task-B", allStarted), blocking("task-C", allStarted));
		assertThat(all).succeedsWithin(Duration.ofSeconds(60))
			.isEqualTo(List.of("Completed task-A alongside the others", "Completed task-B alongside the others",
					"Completed task-C alongside the others"));
	}

	private CompletableFuture<String> blocking(String name, CountDownLatch allStarted) {
		return this.asyncUtils.runSync(() -> {
			allStarted.countDown();
			if (!allStarted.await(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException(name + " ran alone: the others never started");
			}
			return "Completed " + name + " alongside the others";
		});
	}

	@Test
	void gatherOfNothingIsAnEmptyListAtOnce() {
		assertThat(this.asyncUtils.gather(List.<CompletableFuture<String>>of())).isCompletedWithValue(List.of());
		assertThat(this.asyncUtils.gather()).isCompletedWithValue(List.of());
	}

	@Test
	void gatherOfCompletedInputsIsCompleteAtOnce() {
		assertThat(this.asyncUtils.gather(CompletableFuture.completedFuture(1), CompletableFuture.completedFuture(2)))
			.isCompletedWithValue(List.of(1, 2));
	}

	@Test
	void gatherKeepsNullResults() {
		assertThat(
				this.asyncUtils.gather(CompletableFuture.completedFuture(null), this.asyncUtils.sleep(Duration.ZERO)))
			.succeedsWithin(WAIT)
			.isEqualTo(Arrays.asList(null, null));
	}

	@Test
	void gatherResultIsUnmodifiable() {
		List<Integer> result = this.asyncUtils.gather(CompletableFuture.completedFuture(1)).join();
		org.assertj.core.api.Assertions.assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> result.set(0, 2));
	}

	@Test
	void gatherAcceptsStagesThatAreNotCompletableFutures() {
		CompletableFuture<String> source = new CompletableFuture<>();
		CompletionStage<String> minimal = source.minimalCompletionStage();
		CompletableFuture<List<String>> all = this.asyncUtils.gather(List.of(minimal));
		source.complete("x");
		assertThat(all).succeedsWithin(WAIT).isEqualTo(List.of("x"));
	}

	@Test
	void gatherFailsWithTheFirstFailuresOwnException() {
		CompletableFuture<String> ok = new CompletableFuture<>();
		CompletableFuture<String> failing = new CompletableFuture<>();
		CompletableFuture<List<String>> all = this.asyncUtils.gather(ok, failing);
		IllegalStateException failure = new IllegalStateException("boom");
		failing.completeExceptionally(failure);
		AtomicReference<Throwable> seen = new AtomicReference<>();
		all.whenComplete((value, error) -> seen.set(error));
		assertThat(seen.get()).isSameAs(failure);
		assertThat(all).failsWithin(WAIT).withThrowableOfType(ExecutionException.class).withCause(failure);
	}

	@Test
	void gatherUnwrapsCompletionExceptionsOfDependentStages() {
		IllegalArgumentException failure = new IllegalArgumentException("bad");
		CompletableFuture<Integer> source = new CompletableFuture<>();
		CompletableFuture<Integer> dependent = source.thenApply((value) -> value + 1);
		CompletableFuture<List<Integer>> all = this.asyncUtils.gather(dependent);
		source.completeExceptionally(failure);
		AtomicReference<Throwable> seen = new AtomicReference<>();
		all.whenComplete((value, error) -> seen.set(error));
		assertThat(seen.get()).isSameAs(failure).isNotInstanceOf(CompletionException.class);
	}

	@Test
	void gatherFailureCancelsTheOtherInputs() {
		CompletableFuture<String> pending = new CompletableFuture<>();
		CompletableFuture<String> failing = new CompletableFuture<>();
		this.asyncUtils.gather(pending, failing);
		failing.completeExceptionally(new IllegalStateException("boom"));
		assertThat(pending).isCancelled();
	}

	@Test
	void gatherFailureInterruptsRunningRunSyncWorkers() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		AtomicBoolean interrupted = new AtomicBoolean();
		CompletableFuture<Object> sleeper = this.asyncUtils.runSync(() -> {
			started.countDown();
			try {
				Thread.sleep(60_000);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
			}
			return null;
		});
		CompletableFuture<Object> failing = this.asyncUtils.runSync(() -> {
			started.await();
			throw new IllegalStateException("boom");
		});
		CompletableFuture<List<Object>> all = this.asyncUtils.gather(sleeper, failing);
		assertThat(all).failsWithin(WAIT);
		await().atMost(WAIT).untilTrue(interrupted);
		assertThat(sleeper).isCancelled();
	}

	@Test
	void cancellingTheGatherCancelsEveryInput() {
		CompletableFuture<String> a = new CompletableFuture<>();
		CompletableFuture<String> b = new CompletableFuture<>();
		CompletableFuture<List<String>> all = this.asyncUtils.gather(a, b);
		assertThat(all.cancel(true)).isTrue();
		assertThat(a).isCancelled();
		assertThat(b).isCancelled();
	}

	@Test
	void timingOutTheGatherCancelsEveryInput() {
		CompletableFuture<String> pending = new CompletableFuture<>();
		CompletableFuture<List<String>> all = this.asyncUtils.gather(pending);
		all.orTimeout(50, TimeUnit.MILLISECONDS);
		assertThat(all).failsWithin(WAIT)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(TimeoutException.class);
		assertThat(pending).isCancelled();
	}

	@Test
	void cancelledInputFailsTheGatherWithCancellation() {
		CompletableFuture<String> a = new CompletableFuture<>();
		CompletableFuture<List<String>> all = this.asyncUtils.gather(a, new CompletableFuture<>());
		a.cancel(true);
		AtomicReference<Throwable> seen = new AtomicReference<>();
		all.whenComplete((value, error) -> seen.set(error));
		assertThat(seen.get()).isInstanceOf(CancellationException.class);
	}

	@Test
	void gatherRejectsNullNamingTheArgument() {
		assertThatNullPointerException()
			.isThrownBy(() -> this.asyncUtils.gather((List<CompletableFuture<String>>) null))
			.withMessage("stages must not be null");
		assertThatNullPointerException()
			.isThrownBy(() -> this.asyncUtils.gather(CompletableFuture.completedFuture(1), null))
			.withMessage("stages must not contain null, but element 1 is null");
	}

	@Test
	void gatherSettledGivesOneOutcomePerInputInOrder() {
		IllegalStateException failure = new IllegalStateException("boom");
		CompletableFuture<String> cancelled = new CompletableFuture<>();
		CompletableFuture<List<Outcome<String>>> all = this.asyncUtils.gatherSettled(
				CompletableFuture.completedFuture("a"), CompletableFuture.failedFuture(failure), cancelled,
				CompletableFuture.completedFuture(null));
		cancelled.cancel(true);
		List<Outcome<String>> outcomes = all.join();
		assertThat(outcomes).hasSize(4);
		assertThat(outcomes.get(0)).isEqualTo(new Outcome.Success<>("a"));
		assertThat(outcomes.get(1)).isEqualTo(new Outcome.Failure<>(failure));
		assertThat(outcomes.get(2)).isInstanceOfSatisfying(Outcome.Failure.class,
				(outcome) -> assertThat(outcome.error()).isInstanceOf(CancellationException.class));
		assertThat(outcomes.get(3)).isEqualTo(new Outcome.Success<>(null));
	}

	@Test
	void gatherSettledWaitsForEveryInputEvenAfterAFailure() {
		CompletableFuture<String> pending = new CompletableFuture<>();
		CompletableFuture<List<Outcome<String>>> all = this.asyncUtils
			.gatherSettled(CompletableFuture.failedFuture(new IllegalStateException()), pending);
		assertThat(all).isNotDone();
		assertThat(pending).isNotCancelled();
		pending.complete("late");
		assertThat(all).succeedsWithin(WAIT)
			.satisfies((outcomes) -> assertThat(outcomes.get(1)).isEqualTo(new Outcome.Success<>("late")));
	}

	@Test
	void cancellingTheSettledGatherCancelsEveryInput() {
		CompletableFuture<String> a = new CompletableFuture<>();
		CompletableFuture<List<Outcome<String>>> all = this.asyncUtils.gatherSettled(List.of(a));
		all.cancel(true);
		assertThat(a).isCancelled();
	}

	@Test
	void gatherSettledOfNothingIsAnEmptyListAtOnce() {
		assertThat(this.asyncUtils.gatherSettled(List.<CompletableFuture<String>>of())).isCompletedWithValue(List.of());
	}

	@Test
	void concurrentCompletionsAlwaysGiveEveryResultInOrder() throws Exception {
		int gathers = 2_000;
		int width = 32;
		List<CompletableFuture<Integer>> inputs = new ArrayList<>();
		List<CompletableFuture<List<Integer>>> results = new ArrayList<>();
		for (int g = 0; g < gathers; g++) {
			List<CompletableFuture<Integer>> mine = new ArrayList<>();
			for (int i = 0; i < width; i++) {
				mine.add(new CompletableFuture<>());
			}
			inputs.addAll(mine);
			results.add(this.asyncUtils.gather(mine));
		}
		List<Integer> order = new ArrayList<>();
		for (int i = 0; i < inputs.size(); i++) {
			order.add(i);
		}
		Collections.shuffle(order);
		int threads = 8;
		CountDownLatch go = new CountDownLatch(1);
		List<Thread> completers = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			int offset = t;
			Thread completer = new Thread(() -> {
				try {
					go.await();
				}
				catch (InterruptedException ex) {
					return;
				}
				for (int i = offset; i < order.size(); i += threads) {
					int index = order.get(i);
					inputs.get(index).complete(index % width);
				}
			});
			completers.add(completer);
			completer.start();
		}
		go.countDown();
		for (Thread completer : completers) {
			completer.join(60_000);
		}
		List<Integer> expected = new ArrayList<>();
		for (int i = 0; i < width; i++) {
			expected.add(i);
		}
		for (CompletableFuture<List<Integer>> result : results) {
			assertThat(result).succeedsWithin(WAIT).isEqualTo(expected);
		}
	}

	@Test
	void concurrentFailuresCompleteTheGatherExactlyOnceWithOneOfThem() throws Exception {
		for (int round = 0; round < 500; round++) {
			List<CompletableFuture<Integer>> inputs = new ArrayList<>();
			for (int i = 0; i < 8; i++) {
				inputs.add(new CompletableFuture<>());
			}
			CompletableFuture<List<Integer>> all = this.asyncUtils.gather(inputs);
			List<IllegalStateException> failures = new ArrayList<>();
			CountDownLatch go = new CountDownLatch(1);
			List<Thread> threads = new ArrayList<>();
			for (CompletableFuture<Integer> input : inputs) {
				IllegalStateException failure = new IllegalStateException();
				failures.add(failure);
				Thread thread = new Thread(() -> {
					try {
						go.await();
					}
					catch (InterruptedException ex) {
						return;
					}
					if (ThreadLocalRandom.current().nextBoolean()) {
						input.completeExceptionally(failure);
					}
					else {
						input.complete(1);
					}
				});
				threads.add(thread);
				thread.start();
			}
			go.countDown();
			for (Thread thread : threads) {
				thread.join(10_000);
			}
			AtomicReference<Throwable> seen = new AtomicReference<>();
			all.whenComplete((value, error) -> seen.set(error));
			assertThat(all).isDone();
			boolean anyFailed = inputs.stream().anyMatch(CompletableFuture::isCompletedExceptionally);
			if (anyFailed) {
				assertThat(failures).contains((IllegalStateException) seen.get());
			}
			else {
				assertThat(all.join()).containsOnly(1);
			}
		}
	}

}
