package io.lionherd.concurrency.reactor;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.RetryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Monos#fromAsync} of {@code AsyncUtils} calls: cancelling the subscription
 * cancels their work.
 */
class MonosCancellationTests {

	private final ExecutorService pool = Executors.newSingleThreadExecutor();

	private final AsyncUtils async = AsyncUtils.builder().executor(this.pool).build();

	@AfterEach
	void shutDown() {
		this.pool.shutdownNow();
	}

	@Test
	void cancellingTheSubscriptionInterruptsTheRunSyncWorker() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		Disposable subscription = Monos.fromAsync(() -> this.async.runSync(() -> {
			started.countDown();
			try {
				new CountDownLatch(1).await();
			}
			catch (InterruptedException ex) {
				interrupted.countDown();
			}
			return "never";
		})).subscribe();
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		subscription.dispose();
		assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void cancellingTheSubscriptionCancelsARetryBetweenAttempts() {
		ManualTime time = new ManualTime();
		AsyncUtils manual = time.configure(AsyncUtils.builder()).executor(ManualTime.DIRECT).build();
		AtomicInteger attempts = new AtomicInteger();
		RetryPolicy policy = RetryPolicy.builder().baseDelay(Duration.ofSeconds(1)).jitter(0).build();
		Disposable subscription = Monos.fromAsync(() -> manual.retry(() -> {
			attempts.incrementAndGet();
			return CompletableFuture.failedFuture(new IOException("down"));
		}, policy)).subscribe();
		assertThat(time.pendingCount()).isOne();
		subscription.dispose();
		assertThat(time.pendingCount()).isZero();
		time.advance(Duration.ofSeconds(10));
		assertThat(attempts).hasValue(1);
	}

}
