package io.lionherd.concurrency.micrometer;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.ManualTime;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link MicrometerExecutorListener}: the {@code lionherd.executor.rejected}
 * and {@code lionherd.executor.queue.wait} meters of {@code runSync}.
 */
class MicrometerExecutorListenerTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final ManualTime time = new ManualTime();

	private ThreadPoolExecutor pool;

	@AfterEach
	void shutDownPool() throws InterruptedException {
		this.pool.shutdownNow();
		assertThat(this.pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void metersArePublishedAtZeroBeforeTheFirstTask() {
		this.pool = singleWorker(new LinkedBlockingQueue<>());
		asyncUtils();
		assertThat(this.registry.get("lionherd.executor.rejected").tag("name", "lionherd").counter().count()).isZero();
		assertThat(this.registry.get("lionherd.executor.queue.wait").tag("name", "lionherd").timer().count()).isZero();
	}

	@Test
	void taskRefusedByASaturatedExecutorIsCountedAsRejected() throws InterruptedException {
		this.pool = singleWorker(new SynchronousQueue<>());
		AsyncUtils asyncUtils = asyncUtils();
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Void> busy = asyncUtils.runSync(() -> {
			release.await();
			return null;
		});
		CompletableFuture<String> refused = asyncUtils.runSync(() -> "never");
		CompletableFuture<String> refusedToo = asyncUtils.runSync(() -> "never");
		assertThat(refused).failsWithin(WAIT).withThrowableThat().withCauseInstanceOf(RejectedExecutionException.class);
		assertThat(refusedToo).isCompletedExceptionally();
		assertThat(this.registry.get("lionherd.executor.rejected").tag("name", "lionherd").counter().count())
			.isEqualTo(2);
		release.countDown();
		assertThat(busy).succeedsWithin(WAIT);
	}

	@Test
	void queueWaitIsTimedFromTheRunSyncCallToTheTaskStart() throws InterruptedException {
		this.pool = singleWorker(new LinkedBlockingQueue<>());
		AsyncUtils asyncUtils = asyncUtils();
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Void> blocker = asyncUtils.runSync(() -> {
			started.countDown();
			release.await();
			return null;
		});
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<String> queued = asyncUtils.runSync(() -> "ran");
		this.time.advance(Duration.ofMillis(250));
		release.countDown();
		assertThat(blocker).succeedsWithin(WAIT);
		assertThat(queued).succeedsWithin(WAIT).isEqualTo("ran");
		Timer queueWait = this.registry.get("lionherd.executor.queue.wait").tag("name", "lionherd").timer();
		assertThat(queueWait.count()).isEqualTo(2);
		assertThat(queueWait.max(TimeUnit.MILLISECONDS)).isEqualTo(250);
		assertThat(queueWait.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(250);
	}

	@Test
	void taskCancelledInTheQueueIsNotTimed() throws InterruptedException {
		this.pool = singleWorker(new LinkedBlockingQueue<>());
		AsyncUtils asyncUtils = asyncUtils();
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Void> blocker = asyncUtils.runSync(() -> {
			started.countDown();
			release.await();
			return null;
		});
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		asyncUtils.runSync(() -> "never").cancel(false);
		release.countDown();
		assertThat(blocker).succeedsWithin(WAIT);
		assertThat(asyncUtils.runSync(() -> "after")).succeedsWithin(WAIT);
		assertThat(this.registry.get("lionherd.executor.queue.wait").tag("name", "lionherd").timer().count())
			.isEqualTo(2);
	}

	private AsyncUtils asyncUtils() {
		return AsyncUtils.builder()
			.executor(this.pool)
			.ticker(this.time)
			.executorListener(new MicrometerExecutorListener(this.registry, "lionherd"))
			.build();
	}

	private static ThreadPoolExecutor singleWorker(java.util.concurrent.BlockingQueue<Runnable> queue) {
		return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, queue);
	}

}
