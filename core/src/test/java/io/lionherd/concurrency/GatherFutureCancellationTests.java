package io.lionherd.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that ending a gather early (an input failed, or the gather was cancelled) cancels
 * every input such that no queued {@code runSync} task starts afterwards, and that an
 * input whose {@code cancel} throws neither stops the others from being cancelled nor the
 * gather from completing.
 * <p>
 * The queued-task scenarios are deterministic: on a fixed pool of {@code workers}
 * threads, the first {@code workers} tasks each get their own worker and block until
 * interrupted, so a worker frees up only when the gather interrupts it. Every later task
 * is queued; none of them may start once the gather has begun cancelling.
 */
class GatherFutureCancellationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final int FAILING = 2;

	@Test
	void failedGatherLetsNoQueuedRunSyncTaskStart() throws Exception {
		for (int run = 0; run < 30; run++) {
			assertThat(queuedTasksStartedAfterFailure(1_000, 4)).as("queued tasks started in run %d", run).isZero();
		}
	}

	@Test
	void failedGatherOfTenThousandInputsOnSixteenWorkersLetsNoQueuedTaskStart() throws Exception {
		for (int run = 0; run < 10; run++) {
			assertThat(queuedTasksStartedAfterFailure(10_000, 16)).as("queued tasks started in run %d", run).isZero();
		}
	}

	@Test
	void cancelledGatherLetsNoQueuedRunSyncTaskStart() throws Exception {
		for (int run = 0; run < 30; run++) {
			assertThat(queuedTasksStartedAfterCancel(1_000, 4)).as("queued tasks started in run %d", run).isZero();
		}
	}

	@Test
	void failedGatherCancelsInputsAfterOneWhoseCancelThrowsAndCompletes() {
		CompletableFuture<String> throwing = new ThrowingCancelFuture<>();
		CompletableFuture<String> later = new CompletableFuture<>();
		CompletableFuture<String> failing = new CompletableFuture<>();
		CompletableFuture<List<String>> all = GatherFuture.all(List.of(throwing, later, failing));
		IllegalStateException failure = new IllegalStateException("task failed");
		failing.completeExceptionally(failure);
		assertThat(later).isCancelled();
		assertThat(all).isCompletedExceptionally();
		assertThat(all).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class).withCause(failure);
	}

	@Test
	void cancellingGatherCancelsInputsAfterOneWhoseCancelThrowsAndCompletes() {
		CompletableFuture<String> throwing = new ThrowingCancelFuture<>();
		CompletableFuture<String> later = new CompletableFuture<>();
		CompletableFuture<List<String>> all = GatherFuture.all(List.of(throwing, later));
		assertThat(all.cancel(true)).isTrue();
		assertThat(later).isCancelled();
		assertThat(all).isCancelled();
	}

	@Test
	void inputWhoseCancelThrowsIsLoggedOnceAtWarn() {
		Logger logger = (Logger) LoggerFactory.getLogger(Stages.class);
		ListAppender<ILoggingEvent> appender = new ListAppender<>();
		appender.start();
		logger.addAppender(appender);
		try {
			CompletableFuture<List<String>> all = GatherFuture.all(List.of(new ThrowingCancelFuture<String>()));
			all.cancel(true);
		}
		finally {
			logger.detachAppender(appender);
		}
		assertThat(appender.list).singleElement().satisfies((event) -> {
			assertThat(event.getLevel()).isEqualTo(Level.WARN);
			assertThat(event.getThrowableProxy().getMessage()).isEqualTo("cancel failed");
		});
	}

	/**
	 * Runs {@code tasks} runSync tasks under one gather; task {@link #FAILING} fails once
	 * the gather exists.
	 * @return how many queued tasks (index {@code workers} and above) started
	 */
	private static int queuedTasksStartedAfterFailure(int tasks, int workers) throws Exception {
		ThreadPoolExecutor pool = pool(workers);
		try {
			AsyncUtils asyncUtils = AsyncUtils.create(pool);
			CountDownLatch gatherBuilt = new CountDownLatch(1);
			AtomicInteger queuedStarted = new AtomicInteger();
			List<CompletableFuture<Integer>> inputs = new ArrayList<>(tasks);
			for (int i = 0; i < tasks; i++) {
				int index = i;
				inputs.add(asyncUtils.runSync(() -> {
					if (index >= workers) {
						queuedStarted.incrementAndGet();
					}
					else if (index == FAILING) {
						gatherBuilt.await();
						throw new IllegalStateException("task " + FAILING + " failed");
					}
					else {
						blockUntilInterrupted();
					}
					return index;
				}));
			}
			CompletableFuture<List<Integer>> all = asyncUtils.gather(inputs);
			gatherBuilt.countDown();
			assertThat(all).failsWithin(WAIT)
				.withThrowableOfType(ExecutionException.class)
				.withCauseInstanceOf(IllegalStateException.class);
			return drain(pool, queuedStarted);
		}
		finally {
			pool.shutdownNow();
		}
	}

	/**
	 * Runs {@code tasks} runSync tasks under one gather and cancels the gather once the
	 * first {@code workers} tasks run.
	 * @return how many queued tasks (index {@code workers} and above) started
	 */
	private static int queuedTasksStartedAfterCancel(int tasks, int workers) throws Exception {
		ThreadPoolExecutor pool = pool(workers);
		try {
			AsyncUtils asyncUtils = AsyncUtils.create(pool);
			CountDownLatch running = new CountDownLatch(workers);
			AtomicInteger queuedStarted = new AtomicInteger();
			List<CompletableFuture<Integer>> inputs = new ArrayList<>(tasks);
			for (int i = 0; i < tasks; i++) {
				int index = i;
				inputs.add(asyncUtils.runSync(() -> {
					if (index >= workers) {
						queuedStarted.incrementAndGet();
					}
					else {
						running.countDown();
						blockUntilInterrupted();
					}
					return index;
				}));
			}
			CompletableFuture<List<Integer>> all = asyncUtils.gather(inputs);
			assertThat(running.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			assertThat(all.cancel(true)).isTrue();
			assertThat(all).failsWithin(Duration.ZERO).withThrowableOfType(CancellationException.class);
			return drain(pool, queuedStarted);
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static ThreadPoolExecutor pool(int workers) {
		return new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
	}

	/** Lets the pool run whatever it still would, then reads the count. */
	private static int drain(ThreadPoolExecutor pool, AtomicInteger queuedStarted) throws InterruptedException {
		pool.shutdown();
		assertThat(pool.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS)).as("pool terminated").isTrue();
		return queuedStarted.get();
	}

	private static void blockUntilInterrupted() throws InterruptedException {
		Thread.sleep(WAIT.multipliedBy(4).toMillis());
	}

	/** A foreign future whose {@code cancel} throws, as a misbehaving library's might. */
	private static final class ThrowingCancelFuture<T> extends CompletableFuture<T> {

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			throw new IllegalStateException("cancel failed");
		}

	}

}
