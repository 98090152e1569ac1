package io.lionherd.concurrency;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lionherd.concurrency.ratelimit.RateLimiter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wake-ups of {@link AsyncUtils}: sleeps and rate-limiter timeouts complete on the
 * wake-up executor, never behind blocking {@code runSync} work or another wake-up's slow
 * continuation.
 */
class AsyncUtilsWakeUpTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** One thread, so a single blocking task saturates it. */
	private final ExecutorService singleThread = Executors.newSingleThreadExecutor();

	private final AsyncUtils asyncUtils = AsyncUtils.create(this.singleThread);

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void shutdown() throws InterruptedException {
		this.release.countDown();
		this.singleThread.shutdownNow();
		assertThat(this.singleThread.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	private CompletableFuture<Object> saturateExecutor() {
		return this.asyncUtils.runSync(() -> this.release.await(30, TimeUnit.SECONDS));
	}

	@Test
	void sleepWakesUpWhileTheRunSyncExecutorIsSaturated() {
		CompletableFuture<Object> blocker = saturateExecutor();
		assertThat(this.asyncUtils.sleep(Duration.ofMillis(50))).succeedsWithin(WAIT);
		assertThat(blocker).isNotDone();
	}

	@Test
	void blockingContinuationDelaysNoOtherSleepEvenOnASingleThreadExecutor() throws Exception {
		CountDownLatch blocking = new CountDownLatch(1);
		this.asyncUtils.sleep(Duration.ofMillis(10)).thenRun(() -> {
			blocking.countDown();
			try {
				this.release.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		assertThat(blocking.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(this.asyncUtils.sleep(Duration.ofMillis(50))).succeedsWithin(WAIT);
		assertThat(this.release.getCount()).isOne();
	}

	@Test
	void rateLimiterTimeoutArrivesWhileTheRunSyncExecutorIsSaturated() {
		CompletableFuture<Object> blocker = saturateExecutor();
		RateLimiter limiter = this.asyncUtils.rateLimiter(1, Duration.ofHours(1));
		assertThat(limiter.tryAcquire()).isTrue();
		assertThat(limiter.acquire(Duration.ofMillis(100))).failsWithin(WAIT)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(TimeoutException.class);
		assertThat(blocker).isNotDone();
	}

}
