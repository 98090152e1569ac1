package io.lionherd.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link AsyncUtils#sleep(Duration)} on the shared timer.
 */
class AsyncUtilsSleepTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final ExecutorService executor = Executors.newFixedThreadPool(4);

	private final AsyncUtils asyncUtils = AsyncUtils.create(this.executor);

	/**
	 * A timer of the test's own, whose queue it can inspect: as the shared one, cancelled
	 * entries leave at once.
	 */
	private final ScheduledThreadPoolExecutor timer = removingOnCancel(new ScheduledThreadPoolExecutor(1));

	private static ScheduledThreadPoolExecutor removingOnCancel(ScheduledThreadPoolExecutor timer) {
		timer.setRemoveOnCancelPolicy(true);
		return timer;
	}

	@AfterEach
	void shutdown() throws InterruptedException {
		this.executor.shutdownNow();
		this.timer.shutdownNow();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void sleepCompletesAfterTheDuration() {
		long start = System.nanoTime();
		assertThat(this.asyncUtils.sleep(Duration.ofMillis(100))).succeedsWithin(WAIT);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
	}

	@Test
	void sleepDoesNotCompleteEarly() {
		CompletableFuture<Void> sleep = this.asyncUtils.sleep(Duration.ofSeconds(5));
		assertThat(sleep).isNotDone();
		sleep.cancel(true);
	}

	@Test
	void zeroSleepCompletesAtOnce() {
		assertThat(this.asyncUtils.sleep(Duration.ZERO)).isCompleted();
	}

	@Test
	void negativeSleepIsRejectedSayingWhatIsAllowed() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.asyncUtils.sleep(Duration.ofMillis(-1)))
			.withMessage("duration must be zero or positive, but was PT-0.001S");
	}

	@Test
	void nullSleepIsRejectedNamingTheArgument() {
		assertThatNullPointerException().isThrownBy(() -> this.asyncUtils.sleep(null))
			.withMessage("duration must not be null");
	}

	@Test
	void hugeSleepSaturatesInsteadOfOverflowing() {
		CompletableFuture<Void> sleep = this.asyncUtils.sleep(Duration.ofSeconds(Long.MAX_VALUE));
		assertThat(sleep).isNotDone();
		sleep.cancel(true);
	}

	@Test
	void cancelledSleepLeavesTheTimerQueueAtOnce() {
		AsyncUtils timed = AsyncUtils.builder()
			.executor(this.executor)
			.scheduler(DelayScheduler.of(this.timer))
			.build();
		List<CompletableFuture<Void>> sleeps = new ArrayList<>();
		for (int i = 0; i < 10_000; i++) {
			sleeps.add(timed.sleep(Duration.ofHours(1)));
		}
		assertThat(this.timer.getQueue()).hasSize(10_000);
		sleeps.forEach((sleep) -> sleep.cancel(true));
		assertThat(this.timer.getQueue()).isEmpty();
		assertThat(sleeps).allSatisfy((sleep) -> assertThat(sleep).isCancelled());
	}

	@Test
	void sleepEndedByTimeoutLeavesTheTimerQueue() {
		AsyncUtils timed = AsyncUtils.builder()
			.executor(this.executor)
			.scheduler(DelayScheduler.of(this.timer))
			.build();
		CompletableFuture<Void> sleep = timed.sleep(Duration.ofHours(1));
		assertThat(this.timer.getQueue()).hasSize(1);
		sleep.completeExceptionally(new TimeoutException());
		assertThat(this.timer.getQueue()).isEmpty();
	}

	@Test
	void sleepCompletedByTheCallerLeavesTheTimerQueue() {
		AsyncUtils timed = AsyncUtils.builder()
			.executor(this.executor)
			.scheduler(DelayScheduler.of(this.timer))
			.build();
		CompletableFuture<Void> sleep = timed.sleep(Duration.ofHours(1));
		sleep.complete(null);
		assertThat(this.timer.getQueue()).isEmpty();
	}

	@Test
	void oneHundredThousandConcurrentSleepsCompleteOnOneTimerThread() {
		List<CompletableFuture<Void>> sleeps = new ArrayList<>(100_000);
		for (int i = 0; i < 100_000; i++) {
			sleeps.add(this.asyncUtils.sleep(Duration.ofMillis(50 + (i % 50))));
		}
		assertThat(timerThreads()).isEqualTo(1);
		assertThat(this.asyncUtils.gather(sleeps)).succeedsWithin(Duration.ofSeconds(60));
		assertThat(timerThreads()).isEqualTo(1);
	}

	@Test
	void blockedContinuationOfOneSleepDoesNotDelayTheOthers() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch blocking = new CountDownLatch(1);
		this.asyncUtils.sleep(Duration.ofMillis(10)).thenRun(() -> {
			blocking.countDown();
			try {
				release.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		assertThat(blocking.await(10, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<Void> later = this.asyncUtils.sleep(Duration.ofMillis(50));
		assertThat(later).succeedsWithin(Duration.ofSeconds(10));
		assertThat(release.getCount()).isOne();
		release.countDown();
	}

	@Test
	void sleepsFiringAtTheSameInstantRunTheirBlockingContinuationsAtOnce() {
		// Manual time hands all five wake-ups over at
		// one instant, to the default wake-up executor.
		ManualTime time = new ManualTime();
		AsyncUtils manual = AsyncUtils.builder().executor(this.executor).ticker(time).scheduler(time).build();
		CountDownLatch allRunning = new CountDownLatch(5);
		List<CompletableFuture<Boolean>> metOthers = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			metOthers.add(manual.sleep(Duration.ofMillis(100)).thenApply((ignored) -> {
				allRunning.countDown();
				try {
					// The shared pool grows by stall checks on the real timer: generous
					// for a busy machine.
					return allRunning.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return false;
				}
			}));
		}
		time.advance(Duration.ofMillis(100));
		assertThat(this.asyncUtils.gather(metOthers)).succeedsWithin(WAIT.multipliedBy(2))
			.asInstanceOf(InstanceOfAssertFactories.LIST)
			.as("each continuation saw all five running")
			.containsExactly(true, true, true, true, true);
	}

	@Test
	void continuationsNeverRunOnTheTimerThread() {
		CompletableFuture<String> thread = this.asyncUtils.sleep(Duration.ofMillis(10))
			.thenApply((ignored) -> Thread.currentThread().getName());
		assertThat(thread).succeedsWithin(WAIT).isNotEqualTo(SharedDelayScheduler.THREAD_NAME);
	}

	@Test
	void wakeUpsStillArriveWhenTheExecutorIsShutDown() {
		ExecutorService doomed = Executors.newSingleThreadExecutor();
		AsyncUtils onDoomed = AsyncUtils.create(doomed);
		CompletableFuture<Void> sleep = onDoomed.sleep(Duration.ofMillis(50));
		doomed.shutdownNow();
		assertThat(sleep).succeedsWithin(WAIT);
	}

	@Test
	void countdownAndOtherTaskInterleaveAsInTheRecipe() {
		List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
		CompletableFuture<Void> countdown = countdown(3, log);
		CompletableFuture<Void> other = otherTask(0, log);
		assertThat(this.asyncUtils.gather(countdown, other)).succeedsWithin(WAIT);
		assertThat(log).containsSubsequence("Countdown: 3", "Countdown: 2", "Countdown: 1", "Done!")
			.containsSubsequence("  Other task tick 1", "  Other task tick 2", "  Other task tick 3")
			.hasSize(7);
	}

	private CompletableFuture<Void> countdown(int n, List<String> log) {
		if (n == 0) {
			log.add("Done!");
			return CompletableFuture.completedFuture(null);
		}
		log.add("Countdown: " + n);
		return this.asyncUtils.sleep(Duration.ofMillis(50)).thenCompose((ignored) -> countdown(n - 1, log));
	}

	private CompletableFuture<Void> otherTask(int tick, List<String> log) {
		if (tick == 3) {
			return CompletableFuture.completedFuture(null);
		}
		return this.asyncUtils.sleep(Duration.ofMillis(80)).thenCompose((ignored) -> {
			log.add("  Other task tick " + (tick + 1));
			return otherTask(tick + 1, log);
		});
	}

	private static long timerThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().equals(SharedDelayScheduler.THREAD_NAME))
			.count();
	}

}
