package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The window invariant of the in-memory limiters ({@link MultiWindowRateLimiter}, and
 * {@link SlidingWindowRateLimiter} with weighted requests) under contention: eight
 * threads ask for random permits, with and without waiting, and cancel some waits, while
 * the test moves a {@link ManualTime} clock between rounds. Checked on the grant instants
 * the callers see: for every limit and every half-open window of its period, at most
 * {@code max} counted. The clock stands still while the threads call, so an instant read
 * when a grant completes is its grant instant.
 */
class WeightedRateLimiterContentionTests {

	private static final int THREADS = 8;

	private static final int ROUNDS = 150;

	private static final long START = 1_000_000_000L;

	private static final ConcurrentLinkedQueue<Throwable> UNEXPECTED = new ConcurrentLinkedQueue<>();

	private ExecutorService pool;

	@AfterEach
	void shutDownPool() {
		if (this.pool != null) {
			this.pool.shutdownNow();
		}
	}

	@ParameterizedTest
	@ValueSource(longs = { 1, 2, 3, 4 })
	void everyWindowOfEveryLimitCountsAtMostItsMax(long seed) throws Exception {
		Random random = new Random(seed);
		List<Limit> limits = new ArrayList<>(List.of(Limit.calls(6, Duration.ofMillis(100)),
				Limit.permits(20, Duration.ofMillis(250)), Limit.permits(45, Duration.ofSeconds(1))));
		if (random.nextBoolean()) {
			limits.remove(random.nextInt(limits.size()));
		}
		RateLimiter limiter = runAndCheck(random, limits);
		assertThat(limiter).isInstanceOf(MultiWindowRateLimiter.class);
	}

	@ParameterizedTest
	@ValueSource(longs = { 1, 2 })
	void weightedAndSinglePermitsOnOneLimitCountAtMostItsMax(long seed) throws Exception {
		RateLimiter limiter = runAndCheck(new Random(seed), List.of(Limit.permits(20, Duration.ofMillis(250))));
		assertThat(limiter).isInstanceOf(SlidingWindowRateLimiter.class);
	}

	private RateLimiter runAndCheck(Random random, List<Limit> limits) throws Exception {
		RateLimiterConfig config = RateLimiterConfig.of(limits.get(0),
				limits.subList(1, limits.size()).toArray(Limit[]::new));
		ManualTime time = new ManualTime(START);
		RateLimiter limiter = RateLimiterFactory.inMemory(time, time, ManualTime.DIRECT)
			.create("", config, RateLimiterListener.none());
		long largest = limits.stream().filter((limit) -> !limit.countsCalls()).mapToLong(Limit::max).min().orElse(10);
		ConcurrentLinkedQueue<long[]> grants = new ConcurrentLinkedQueue<>();
		ConcurrentLinkedQueue<CompletableFuture<Void>> unlimited = new ConcurrentLinkedQueue<>();
		AtomicInteger refusedAtOnce = new AtomicInteger();
		AtomicInteger queued = new AtomicInteger();
		CyclicBarrier calls = new CyclicBarrier(THREADS + 1);
		CyclicBarrier clock = new CyclicBarrier(THREADS + 1);
		this.pool = Executors.newFixedThreadPool(THREADS);
		List<Future<?>> callers = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			callers.add(this.pool.submit(() -> {
				ThreadLocalRandom own = ThreadLocalRandom.current();
				List<CompletableFuture<Void>> mine = new ArrayList<>();
				for (int round = 0; round < ROUNDS; round++) {
					calls.await();
					for (int call = 0; call < 2; call++) {
						// Half of them 1: the one-limit limiter's lock-free path.
						long permits = own.nextBoolean() ? 1 : 1 + own.nextLong(largest);
						switch (own.nextInt(4)) {
							case 0 -> {
								if (limiter.tryAcquire(permits)) {
									grants.add(new long[] { time.read(), permits });
								}
							}
							case 1 -> {
								CompletableFuture<Void> waiter = limiter.acquire(permits,
										Duration.ofMillis(own.nextInt(400)));
								if (waiter.isCompletedExceptionally()) {
									refusedAtOnce.incrementAndGet();
								}
								track(waiter, permits, time, grants, queued);
							}
							case 2 -> {
								CompletableFuture<Void> waiter = limiter.acquire(permits);
								track(waiter, permits, time, grants, queued);
								mine.add(waiter);
								unlimited.add(waiter);
							}
							default -> {
								if (!mine.isEmpty()) {
									mine.remove(own.nextInt(mine.size())).cancel(false);
								}
							}
						}
					}
					clock.await();
				}
				return null;
			}));
		}
		for (int round = 0; round < ROUNDS; round++) {
			calls.await(30, TimeUnit.SECONDS);
			clock.await(30, TimeUnit.SECONDS);
			time.advance(Duration.ofMillis(random.nextInt(120)));
		}
		for (Future<?> caller : callers) {
			caller.get(30, TimeUnit.SECONDS);
		}
		// Every wait without a timeout that was not cancelled is granted in the end.
		time.advance(Duration.ofHours(1));
		for (CompletableFuture<Void> waiter : unlimited) {
			assertThat(waiter).isDone();
			if (!waiter.isCancelled()) {
				assertThat(waiter).isCompleted();
			}
		}
		assertThat(limiter.waitingCount()).isZero();
		assertThat(UNEXPECTED).as("failures other than a cancel or a refusal at once").isEmpty();
		assertThat(queued.get()).as("acquires that waited").isPositive();
		assertThat(refusedAtOnce.get()).as("acquires refused at once").isPositive();
		List<long[]> granted = new ArrayList<>(grants);
		granted.sort(Comparator.comparingLong((long[] grant) -> grant[0]));
		for (int i = 0; i < limits.size(); i++) {
			assertWindowInvariant(limits.get(i), i, granted);
		}
		return limiter;
	}

	/**
	 * Records a grant; a failure other than a cancel or a refusal at once is unexpected.
	 * In particular a waiter never times out: it was queued only because its earliest
	 * grant lay within its timeout, and the wake-ups run on time.
	 */
	private static void track(CompletableFuture<Void> waiter, long permits, ManualTime time,
			ConcurrentLinkedQueue<long[]> grants, AtomicInteger queued) {
		boolean waited = !waiter.isDone();
		if (waited) {
			queued.incrementAndGet();
		}
		waiter.whenComplete((ignored, ex) -> {
			if (ex == null) {
				grants.add(new long[] { time.read(), permits });
			}
			else if (!(ex instanceof CancellationException)
					&& !(ex instanceof PermitTimeoutException timeout && !waited && timeout.retryAfter().isPresent())) {
				UNEXPECTED.add(ex);
			}
		});
	}

	/**
	 * Every window ending at a grant instant (the windows that can hold the most) counts
	 * at most {@code max}; the grants are sorted by instant.
	 */
	private static void assertWindowInvariant(Limit limit, int index, List<long[]> granted) {
		long period = limit.period().toNanos();
		int oldest = 0;
		long sum = 0;
		int next = 0;
		while (next < granted.size()) {
			long end = granted.get(next)[0];
			while (next < granted.size() && granted.get(next)[0] == end) {
				sum += limit.countsCalls() ? 1 : granted.get(next)[1];
				next++;
			}
			while (granted.get(oldest)[0] <= end - period) {
				sum -= limit.countsCalls() ? 1 : granted.get(oldest)[1];
				oldest++;
			}
			assertThat(sum).as("limits[%d] (%s) counted in the window ending at %d ns", index, limit, end - START)
				.isLessThanOrEqualTo(limit.max());
		}
	}

}
