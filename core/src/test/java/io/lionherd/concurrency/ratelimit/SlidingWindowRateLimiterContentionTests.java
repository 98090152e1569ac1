package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Many threads mixing every operation on one limiter: the grants the limiter decides (at
 * the times it decided them) must never put more than {@code maxCalls} in any half-open
 * window, no permit may go to a cancelled or timed-out acquire, and none may leak.
 * <p>
 * The decided time of a grant is the last clock reading of the thread that made it: the
 * limiter reads its ticker last for the grant it commits. So an immediate grant's time is
 * the last value the calling thread read ({@link LastReadTicker}), and a waiter's is
 * {@link Waiter#grantedAt}, written by the wake-up that granted it.
 */
class SlidingWindowRateLimiterContentionTests {

	private static final int THREADS = 8;

	private static final int OPERATIONS_PER_THREAD = 12_500;

	private static final int MAX_CALLS = 5;

	private final ExecutorService executor = Executors.newFixedThreadPool(2);

	private final ExecutorService workers = Executors.newFixedThreadPool(THREADS);

	@AfterEach
	void shutDown() {
		this.executor.shutdownNow();
		this.workers.shutdownNow();
	}

	@Test
	void realClockNeverGrantsMoreThanMaxCallsInAnyWindowNorLosesAPermit() throws Exception {
		Duration period = Duration.ofMillis(2);
		LastReadTicker ticker = new LastReadTicker(jittery(System::nanoTime));
		GrantCounter reported = new GrantCounter();
		SlidingWindowRateLimiter limiter = new SlidingWindowRateLimiter("", RateLimiterConfig.of(MAX_CALLS, period),
				ticker, DelayScheduler.shared(), this.executor, reported);
		GrantRecorder grants = new GrantRecorder(THREADS * OPERATIONS_PER_THREAD + 100, ticker);
		Outcomes outcomes = hammer(limiter, grants, period.toNanos(), period.toNanos());
		assertThat(outcomes.operations.sum()).isGreaterThanOrEqualTo(100_000);
		await().atMost(Duration.ofSeconds(30)).until(() -> limiter.waitingCount() == 0);
		// A cancel that loses to a grant completes the future itself, possibly before
		// the wake-up that granted it reports the grant.
		await().atMost(Duration.ofSeconds(30)).until(() -> reported.count() == outcomes.granted());
		assertThat(grants.count()).isEqualTo(outcomes.granted());
		assertWindowsHoldAtMost(grants.sorted(), MAX_CALLS, period.toNanos());
		assertThat(outcomes.cancelled.sum()).isPositive();
		assertThat(outcomes.timedOut.sum()).isPositive();
		assertThat(outcomes.waitedAndGranted.sum()).isPositive();
		// No permit leaked: once a window has passed, all of them are there again.
		Thread.sleep(3 * period.toMillis());
		for (int i = 0; i < MAX_CALLS; i++) {
			assertThat(limiter.tryAcquire()).as("permit %d of a fresh window", i + 1).isTrue();
		}
	}

	@Test
	void manualClockDrivenByAnotherThreadNeverGrantsMoreThanMaxCallsInAnyWindowNorLosesAPermit() throws Exception {
		ManualTime time = new ManualTime(-Duration.ofDays(1).toNanos());
		long period = 1000;
		LastReadTicker ticker = new LastReadTicker(jittery(time));
		GrantCounter reported = new GrantCounter();
		SlidingWindowRateLimiter limiter = new SlidingWindowRateLimiter("",
				RateLimiterConfig.of(MAX_CALLS, Duration.ofNanos(period)), ticker, time, this.executor, reported);
		GrantRecorder grants = new GrantRecorder(THREADS * OPERATIONS_PER_THREAD + 100, ticker);
		AtomicBoolean driving = new AtomicBoolean(true);
		Thread driver = new Thread(() -> {
			while (driving.get()) {
				time.advanceNanos(ThreadLocalRandom.current().nextLong(period / 3));
				LockSupport.parkNanos(20_000);
			}
		}, "manual-time-driver");
		driver.start();
		Outcomes outcomes;
		try {
			outcomes = hammer(limiter, grants, 2 * period, Duration.ofMillis(2).toNanos());
			await().atMost(Duration.ofSeconds(30)).until(() -> limiter.waitingCount() == 0);
		}
		finally {
			driving.set(false);
			driver.join();
		}
		assertThat(outcomes.operations.sum()).isGreaterThanOrEqualTo(100_000);
		await().atMost(Duration.ofSeconds(30)).until(() -> reported.count() == outcomes.granted());
		assertThat(grants.count()).isEqualTo(outcomes.granted());
		assertWindowsHoldAtMost(grants.sorted(), MAX_CALLS, period);
		assertThat(outcomes.cancelled.sum()).isPositive();
		assertThat(outcomes.timedOut.sum()).isPositive();
		assertThat(outcomes.waitedAndGranted.sum()).isPositive();
		time.advanceNanos(period);
		for (int i = 0; i < MAX_CALLS; i++) {
			assertThat(limiter.tryAcquire()).as("permit %d of a fresh window", i + 1).isTrue();
		}
		assertThat(limiter.tryAcquire()).isFalse();
	}

	/**
	 * Runs the mixed load: mostly {@code tryAcquire}, some timed acquires (limiter time),
	 * some acquires given up by cancel after a short real wait, some cancelled at once.
	 * @param maxTimeout the longest timeout passed to {@code acquire(Duration)}, in
	 * limiter nanos
	 * @param maxPatience the longest real wait before cancelling a plain acquire, in
	 * nanos
	 */
	private Outcomes hammer(SlidingWindowRateLimiter limiter, GrantRecorder grants, long maxTimeout, long maxPatience)
			throws Exception {
		Outcomes outcomes = new Outcomes();
		CountDownLatch start = new CountDownLatch(1);
		List<CompletableFuture<Void>> workers = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			workers.add(CompletableFuture.runAsync(() -> {
				awaitQuietly(start);
				ThreadLocalRandom random = ThreadLocalRandom.current();
				for (int i = 0; i < OPERATIONS_PER_THREAD; i++) {
					int choice = random.nextInt(100);
					if (choice < 94) {
						if (limiter.tryAcquire()) {
							grants.immediate();
							outcomes.tried.increment();
						}
					}
					else if (choice < 96) {
						CompletableFuture<Void> timed = limiter.acquire(Duration.ofNanos(random.nextLong(maxTimeout)));
						long calledAt = grants.lastRead();
						try {
							timed.get(30, TimeUnit.SECONDS);
							grants.granted(timed, calledAt);
							outcomes.waitedAndGranted.increment();
						}
						catch (ExecutionException ex) {
							assertThat(ex).hasCauseInstanceOf(TimeoutException.class);
							outcomes.timedOut.increment();
						}
						catch (Exception ex) {
							fail("timed acquire neither granted nor timed out", ex);
						}
					}
					else if (choice < 98) {
						giveUpAfter(limiter.acquire(), grants, random.nextLong(maxPatience), outcomes);
					}
					else {
						giveUpAfter(limiter.acquire(), grants, 0, outcomes);
					}
					outcomes.operations.increment();
				}
			}, this.workers));
		}
		start.countDown();
		CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
		return outcomes;
	}

	private static void giveUpAfter(CompletableFuture<Void> acquired, GrantRecorder grants, long patienceNanos,
			Outcomes outcomes) {
		long calledAt = grants.lastRead();
		try {
			if (patienceNanos > 0) {
				acquired.get(patienceNanos, TimeUnit.NANOSECONDS);
				grants.granted(acquired, calledAt);
				outcomes.waitedAndGranted.increment();
				return;
			}
		}
		catch (TimeoutException ex) {
			// give up below
		}
		catch (Exception ex) {
			fail("acquire failed", ex);
		}
		if (acquired.cancel(false)) {
			assertThat(acquired).isCancelled();
			outcomes.cancelled.increment();
			return;
		}
		// The grant won the race: the future completes normally, never cancelled.
		try {
			acquired.get(30, TimeUnit.SECONDS);
		}
		catch (CancellationException | ExecutionException | InterruptedException | TimeoutException ex) {
			fail("a cancel that lost to a grant must leave the future granted", ex);
		}
		grants.granted(acquired, calledAt);
		outcomes.waitedAndGranted.increment();
	}

	/**
	 * A ticker that sometimes lets other threads run while it is read: the limiter reads
	 * it between looking at its state and committing a grant, so this widens exactly the
	 * windows in which a check-then-act limiter (the Python recipe) over-grants.
	 */
	private static Ticker jittery(Ticker ticker) {
		return () -> {
			if (ThreadLocalRandom.current().nextInt(4) == 0) {
				Thread.yield();
			}
			return ticker.read();
		};
	}

	private static void assertWindowsHoldAtMost(long[] sortedTimes, int maxCalls, long period) {
		assertThat(sortedTimes.length).isGreaterThan(maxCalls);
		for (int i = 0; i + maxCalls < sortedTimes.length; i++) {
			long span = sortedTimes[i + maxCalls] - sortedTimes[i];
			if (span < period) {
				fail("%d grants within %d ns (period %d ns) from grant %d of %d: %s", maxCalls + 1, span, period, i,
						sortedTimes.length, Arrays.toString(Arrays.copyOfRange(sortedTimes, i, i + maxCalls + 1)));
			}
		}
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static final class Outcomes {

		final LongAdder operations = new LongAdder();

		final LongAdder tried = new LongAdder();

		final LongAdder waitedAndGranted = new LongAdder();

		final LongAdder timedOut = new LongAdder();

		final LongAdder cancelled = new LongAdder();

		long granted() {
			return this.tried.sum() + this.waitedAndGranted.sum();
		}

	}

	/** Counts the grants the limiter reports. */
	private static final class GrantCounter implements RateLimiterListener {

		private final LongAdder count = new LongAdder();

		@Override
		public void granted(RateLimiter limiter, long waitNanos) {
			this.count.increment();
		}

		long count() {
			return this.count.sum();
		}

	}

	/** A ticker that remembers, per thread, the last value it returned. */
	private static final class LastReadTicker implements Ticker {

		private final Ticker ticker;

		private final ThreadLocal<long[]> last = ThreadLocal.withInitial(() -> new long[1]);

		LastReadTicker(Ticker ticker) {
			this.ticker = ticker;
		}

		@Override
		public long read() {
			long now = this.ticker.read();
			this.last.get()[0] = now;
			return now;
		}

		long last() {
			return this.last.get()[0];
		}

	}

	/** Keeps the time the limiter decided for every grant the callers received. */
	private static final class GrantRecorder {

		private final AtomicLongArray times;

		private final AtomicInteger count = new AtomicInteger();

		private final LastReadTicker ticker;

		/** The limiter's origin, to which {@link Waiter#grantedAt} is relative. */
		private final long origin;

		/**
		 * Call right after the limiter's construction, on the thread that constructed it:
		 * the limiter's construction read the ticker last, for its origin.
		 */
		GrantRecorder(int capacity, LastReadTicker ticker) {
			this.times = new AtomicLongArray(capacity);
			this.ticker = ticker;
			this.origin = ticker.last();
		}

		/** The last clock reading of the calling thread. */
		long lastRead() {
			return this.ticker.last();
		}

		/** The calling thread's {@code tryAcquire} has just granted. */
		void immediate() {
			add(lastRead());
		}

		/**
		 * An acquire completed normally.
		 * @param calledAt the last clock reading of the thread that called it, right
		 * after the call: its grant time if it was granted at once
		 */
		void granted(CompletableFuture<Void> acquired, long calledAt) {
			add((acquired instanceof Waiter waiter) ? waiter.grantedAt + this.origin : calledAt);
		}

		private void add(long time) {
			this.times.set(this.count.getAndIncrement(), time);
		}

		int count() {
			return this.count.get();
		}

		long[] sorted() {
			long[] sorted = new long[this.count.get()];
			for (int i = 0; i < sorted.length; i++) {
				sorted[i] = this.times.get(i);
			}
			Arrays.sort(sorted);
			return sorted;
		}

	}

}
