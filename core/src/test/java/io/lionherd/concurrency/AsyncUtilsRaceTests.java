package io.lionherd.concurrency;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link AsyncUtils#race} and {@link AsyncUtils#firstSuccessful}, with time
 * driven by hand; lionherd's {@code test_patterns.py} race tests are named where ported.
 */
class AsyncUtilsRaceTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final ManualTime time = new ManualTime();

	private final ExecutorService executor = Executors.newFixedThreadPool(4);

	private final AsyncUtils async = this.time.configure(AsyncUtils.builder()).executor(this.executor).build();

	@AfterEach
	void shutdown() throws InterruptedException {
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	private <T> CompletableFuture<T> after(long millis, T value) {
		return this.async.sleep(Duration.ofMillis(millis)).thenApply((ignored) -> value);
	}

	private <T> CompletableFuture<T> failAfter(long millis, Exception failure) {
		return this.async.sleep(Duration.ofMillis(millis))
			.thenCompose((ignored) -> CompletableFuture.failedFuture(failure));
	}

	@Test
	void aSingleInputDecidesAndTheLoserIsCancelled() {
		// test_race_single_and_loser_cancelled
		CompletableFuture<Integer> one = this.async.race(after(2, 1));
		this.time.advance(Duration.ofMillis(2));
		assertThat(one).isCompletedWithValue(1);
		CompletableFuture<Void> slowSleep = this.async.sleep(Duration.ofSeconds(10));
		CompletableFuture<String> slow = slowSleep.thenApply((ignored) -> "slow");
		CompletableFuture<String> winner = this.async.race(slow, after(2, "fast"));
		this.time.advance(Duration.ofMillis(2));
		assertThat(winner).isCompletedWithValue("fast");
		assertThat(slow).isCancelled();
	}

	@Test
	void theFirstSuccessAmongFailuresWins() {
		// test_race_multiple_exceptions_vs_success
		CompletableFuture<String> winner = this.async.race(failAfter(5, new IllegalStateException("e1")),
				after(4, "ok"), failAfter(6, new IllegalArgumentException("e2")));
		this.time.advance(Duration.ofMillis(10));
		assertThat(winner).isCompletedWithValue("ok");
	}

	@Test
	void aFirstFailureDecidesWithItsOwnExceptionAndCancelsTheOthers() {
		// test_race_first_failure_propagates
		IllegalStateException failure = new IllegalStateException("I fail fast");
		CompletableFuture<String> slow = after(50, "success");
		CompletableFuture<String> slower = after(100, "also_success");
		CompletableFuture<String> winner = this.async.race(failAfter(5, failure), slow, slower);
		this.time.advance(Duration.ofMillis(5));
		assertThat(winner).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isSameAs(failure);
		assertThat(slow).isCancelled();
		assertThat(slower).isCancelled();
	}

	@Test
	void whenAllFailTheFirstFailureDecides() {
		// test_race_all_failures_returns_first
		IllegalStateException first = new IllegalStateException("first");
		CompletableFuture<String> winner = this.async.race(failAfter(10, first),
				failAfter(20, new RuntimeException("second")), failAfter(30, new IllegalArgumentException("third")));
		this.time.advance(Duration.ofMillis(30));
		assertThat(winner).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isSameAs(first);
	}

	@Test
	void anEmptyRaceIsRejectedAtTheCall() {
		// test_race_requires_at_least_one
		assertThatIllegalArgumentException().isThrownBy(() -> this.async.race()).withMessageContaining("stages");
		assertThatIllegalArgumentException().isThrownBy(() -> this.async.race(List.of()))
			.withMessageContaining("stages");
		assertThatIllegalArgumentException().isThrownBy(() -> this.async.firstSuccessful())
			.withMessageContaining("stages");
		assertThatNullPointerException().isThrownBy(() -> this.async.race((List<CompletableFuture<String>>) null))
			.withMessageContaining("stages");
		assertThatNullPointerException().isThrownBy(() -> this.async.race(new CompletableFuture<>(), null))
			.withMessageContaining("stages");
	}

	@Test
	void losingRunSyncWorkersAreInterrupted() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		CompletableFuture<String> loser = this.async.runSync(() -> {
			started.countDown();
			try {
				Thread.sleep(60_000);
			}
			catch (InterruptedException ex) {
				interrupted.countDown();
			}
			return "late";
		});
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<String> winner = this.async.race(loser, this.async.runSync(() -> "fast"));
		assertThat(winner).succeedsWithin(WAIT).isEqualTo("fast");
		assertThat(loser).isCancelled();
		assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void anInputAlreadyCompleteDecidesAtOnce() {
		CompletableFuture<String> pending = new CompletableFuture<>();
		assertThat(this.async.race(pending, CompletableFuture.completedFuture("done"))).isCompletedWithValue("done");
		assertThat(pending).isCancelled();
	}

	@Test
	void cancellingTheResultCancelsEveryInput() {
		CompletableFuture<Void> a = this.async.sleep(Duration.ofMillis(10));
		CompletableFuture<Void> b = this.async.sleep(Duration.ofMillis(20));
		CompletableFuture<Void> race = this.async.race(a, b);
		assertThat(race.cancel(true)).isTrue();
		assertThat(a).isCancelled();
		assertThat(b).isCancelled();
		assertThat(this.time.pendingCount()).isZero();
	}

	@Test
	void firstSuccessfulWaitsForASuccessPastEarlierFailures() {
		CompletableFuture<String> later = after(100, "never");
		CompletableFuture<String> winner = this.async.firstSuccessful(failAfter(1, new IllegalStateException("e1")),
				after(5, "ok"), later);
		this.time.advance(Duration.ofMillis(1));
		assertThat(winner).isNotDone();
		this.time.advance(Duration.ofMillis(4));
		assertThat(winner).isCompletedWithValue("ok");
		assertThat(later).isCancelled();
	}

	@Test
	void firstSuccessfulFailsOnlyWhenAllFailedWithTheFirstFailureAndTheOthersSuppressed() {
		IllegalStateException second = new IllegalStateException("second in time");
		IllegalArgumentException first = new IllegalArgumentException("first in time");
		TimeoutException third = new TimeoutException("third in time");
		CompletableFuture<String> all = this.async.firstSuccessful(failAfter(2, second), failAfter(1, first),
				failAfter(3, third));
		this.time.advance(Duration.ofMillis(2));
		assertThat(all).isNotDone();
		this.time.advance(Duration.ofMillis(1));
		assertThat(all).failsWithin(Duration.ZERO).withThrowableThat().havingCause().isSameAs(first);
		assertThat(first.getSuppressed()).containsExactly(second, third);
	}

	@Test
	void raceInsideAScopeIsCancelledAtTheDeadline() {
		CompletableFuture<String> a = after(1_000, "a");
		CompletableFuture<String> b = after(2_000, "b");
		CompletableFuture<String> scoped = this.async.failAfter(Duration.ofMillis(10), () -> this.async.race(a, b));
		this.time.advance(Duration.ofMillis(10));
		assertThat(scoped).isCompletedExceptionally();
		assertThat(a).isCancelled();
		assertThat(b).isCancelled();
	}

}
