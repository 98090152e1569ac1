package io.lionherd.concurrency;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link AsyncUtils#retryBlocking} and {@link AsyncUtils#awaitRetry}: the retry
 * decides when each attempt starts, and every attempt runs on the calling thread, which
 * waits in between. Time is driven by hand from the test's thread while a caller thread
 * retries.
 */
class AsyncUtilsRetryBlockingTests {

	private static final RetryPolicy ONE_SECOND_APART = RetryPolicy.builder()
		.maxAttempts(3)
		.baseDelay(Duration.ofSeconds(1))
		.maxDelay(Duration.ofSeconds(1))
		.jitter(0)
		.build();

	private final ManualTime time = new ManualTime();

	private final List<String> recorded = new CopyOnWriteArrayList<>();

	private final AsyncUtils async = this.time.configure(AsyncUtils.builder()).executor((task) -> {
		throw new AssertionError("a retry on the caller's thread must not use the executor");
	}).retryRecorder((name, kind) -> this.recorded.add(name + ":" + kind.tagValue())).build();

	/** The thread that retries while the test moves the time. */
	private final ExecutorService caller = Executors.newSingleThreadExecutor();

	private final List<Thread> attemptThreads = new CopyOnWriteArrayList<>();

	private final AtomicInteger calls = new AtomicInteger();

	@AfterEach
	void shutdown() throws InterruptedException {
		this.caller.shutdownNow();
		assertThat(this.caller.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void everyAttemptRunsOnTheCallersThreadAfterTheWaitsOfThePolicy() throws Exception {
		AtomicReference<Thread> callerThread = new AtomicReference<>();
		Future<String> call = this.caller.submit(() -> {
			callerThread.set(Thread.currentThread());
			return this.async.retryBlocking("orders", () -> failTwice("loaded"), ONE_SECOND_APART);
		});
		advanceWhenWaiting(Duration.ofSeconds(1));
		advanceWhenWaiting(Duration.ofSeconds(1));
		assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("loaded");
		assertThat(this.attemptThreads).hasSize(3).allMatch((thread) -> thread == callerThread.get());
		assertThat(this.time.elapsed()).isEqualTo(Duration.ofSeconds(2));
		assertThat(this.recorded).containsExactly("orders:successful_with_retry");
	}

	@Test
	void throwsTheLastAttemptsOwnCheckedExceptionUnwrapped() throws Exception {
		List<IOException> failures = new CopyOnWriteArrayList<>();
		Future<Throwable> call = this.caller.submit(() -> catchThrowable(() -> this.async.retryBlocking(() -> {
			IOException failure = new IOException("attempt " + this.calls.incrementAndGet());
			failures.add(failure);
			throw failure;
		}, ONE_SECOND_APART)));
		advanceWhenWaiting(Duration.ofSeconds(1));
		advanceWhenWaiting(Duration.ofSeconds(1));
		assertThat(call.get(10, TimeUnit.SECONDS)).isSameAs(failures.get(2));
		assertThat(this.calls).hasValue(3);
	}

	@Test
	void firstAttemptSucceedingReturnsAtOnceWithoutWaiting() throws Exception {
		String result = this.async.retryBlocking("orders", () -> {
			this.attemptThreads.add(Thread.currentThread());
			return "loaded";
		}, ONE_SECOND_APART);
		assertThat(result).isEqualTo("loaded");
		assertThat(this.attemptThreads).containsExactly(Thread.currentThread());
		assertThat(this.recorded).containsExactly("orders:successful_without_retry");
	}

	@Test
	void interruptedWhileWaitingThrowsTheLastFailureStartsNoOtherAttemptAndKeepsTheInterrupt() throws Exception {
		IOException failure = new IOException("reset");
		AtomicReference<Thread> callerThread = new AtomicReference<>();
		Future<Object[]> call = this.caller.submit(() -> {
			callerThread.set(Thread.currentThread());
			Throwable thrown = catchThrowable(() -> this.async.retryBlocking(() -> {
				this.calls.incrementAndGet();
				throw failure;
			}, ONE_SECOND_APART));
			return new Object[] { thrown, Thread.currentThread().isInterrupted() };
		});
		await().until(() -> this.time.pendingCount() == 1);
		callerThread.get().interrupt();
		Object[] outcome = call.get(10, TimeUnit.SECONDS);
		assertThat(outcome[0]).isSameAs(failure);
		assertThat(outcome[1]).isEqualTo(true);
		this.time.advance(Duration.ofSeconds(5));
		assertThat(this.calls).hasValue(1);
	}

	@Test
	void attemptFailingWithItsThreadInterruptedIsNotRetriedAndKeepsTheInterrupt() {
		IOException failure = new IOException("interrupted read");
		Throwable thrown = catchThrowable(() -> this.async.retryBlocking(() -> {
			this.calls.incrementAndGet();
			Thread.currentThread().interrupt();
			throw failure;
		}, ONE_SECOND_APART));
		boolean interrupted = Thread.interrupted();
		assertThat(thrown).isSameAs(failure);
		assertThat(interrupted).isTrue();
		assertThat(this.calls).hasValue(1);
	}

	@Test
	void awaitRetryStartsEveryAsyncAttemptOnTheCallersThreadAndReturnsItComplete() throws Exception {
		AtomicReference<Thread> callerThread = new AtomicReference<>();
		Future<CompletableFuture<String>> call = this.caller.submit(() -> {
			callerThread.set(Thread.currentThread());
			return this.async.awaitRetry("orders", () -> {
				try {
					return CompletableFuture.completedFuture(failTwice("loaded"));
				}
				catch (IOException ex) {
					return CompletableFuture.failedFuture(ex);
				}
			}, ONE_SECOND_APART);
		});
		advanceWhenWaiting(Duration.ofSeconds(1));
		advanceWhenWaiting(Duration.ofSeconds(1));
		assertThat(call.get(10, TimeUnit.SECONDS)).isCompletedWithValue("loaded");
		assertThat(this.attemptThreads).hasSize(3).allMatch((thread) -> thread == callerThread.get());
	}

	private String failTwice(String value) throws IOException {
		this.attemptThreads.add(Thread.currentThread());
		if (this.calls.incrementAndGet() < 3) {
			throw new IOException("attempt " + this.calls.get());
		}
		return value;
	}

	/** Moves the time once the retry waits on the timer for its next attempt. */
	private void advanceWhenWaiting(Duration duration) {
		await().until(() -> this.time.pendingCount() == 1);
		this.time.advance(duration);
	}

}
