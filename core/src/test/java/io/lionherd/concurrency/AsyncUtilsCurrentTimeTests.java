package io.lionherd.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link AsyncUtils#currentTime()}: the notebook's {@code current_time} recipe.
 */
class AsyncUtilsCurrentTimeTests {

	private final ExecutorService pool = Executors.newFixedThreadPool(4);

	private final AsyncUtils asyncUtils = AsyncUtils.create(this.pool);

	@AfterEach
	void shutDownPool() throws InterruptedException {
		this.pool.shutdownNow();
		assertThat(this.pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void neverGoesBackwardsOverAMillionReads() {
		assertThat(backwardSteps(this.asyncUtils, 1_000_000)).isZero();
	}

	@Test
	void neverGoesBackwardsWithinEachOfFourThreads() throws Exception {
		int threads = 4;
		CyclicBarrier start = new CyclicBarrier(threads);
		ExecutorService readers = Executors.newFixedThreadPool(threads);
		try {
			List<Future<Long>> results = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				results.add(readers.submit(() -> {
					start.await(30, TimeUnit.SECONDS);
					return backwardSteps(this.asyncUtils, 1_000_000);
				}));
			}
			for (Future<Long> result : results) {
				assertThat(result.get(120, TimeUnit.SECONDS)).isZero();
			}
		}
		finally {
			readers.shutdownNow();
		}
	}

	@Test
	void tickerNanosecondsAreReportedAsSeconds() {
		AsyncUtils ticked = AsyncUtils.builder().executor(this.pool).ticker(() -> 1_500_000_000L).build();
		assertThat(ticked.currentTime()).isEqualTo(1.5);
	}

	@Test
	void followsTheInjectedTicker() {
		AtomicLong ticker = new AtomicLong(2_000_000_000L);
		AsyncUtils ticked = AsyncUtils.builder().executor(this.pool).ticker(ticker::get).build();
		double t1 = ticked.currentTime();
		ticker.addAndGet(Duration.ofMillis(250).toNanos());
		assertThat(ticked.currentTime() - t1).isEqualTo(0.25);
	}

	@Test
	void neverGoesBackwardsWhenTheTickerWrapsAround() {
		AtomicLong ticker = new AtomicLong(Long.MAX_VALUE - Duration.ofSeconds(1).toNanos());
		AsyncUtils ticked = AsyncUtils.builder().executor(this.pool).ticker(ticker::get).build();
		List<Double> readings = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			readings.add(ticked.currentTime());
			ticker.addAndGet(Duration.ofMillis(100).toNanos());
		}
		assertThat(ticker.get()).as("ticker wrapped").isNegative();
		assertThat(readings).isSorted();
		assertThat(readings.get(19) - readings.get(0)).isCloseTo(1.9, within(1e-3));
	}

	@Test
	void measuresASleepOfATenthOfASecond() {
		double t1 = this.asyncUtils.currentTime();
		this.asyncUtils.sleep(Duration.ofMillis(100)).join();
		double elapsed = this.asyncUtils.currentTime() - t1;
		assertThat(elapsed).isGreaterThanOrEqualTo(0.1).isLessThan(5.0);
	}

	@Test
	void advancesWhileTimePasses() throws InterruptedException {
		double t1 = this.asyncUtils.currentTime();
		Thread.sleep(20);
		assertThat(this.asyncUtils.currentTime()).isGreaterThan(t1);
	}

	private static long backwardSteps(AsyncUtils asyncUtils, int reads) {
		long backward = 0;
		double previous = asyncUtils.currentTime();
		for (int i = 0; i < reads; i++) {
			double now = asyncUtils.currentTime();
			if (now < previous) {
				backward++;
			}
			previous = now;
		}
		return backward;
	}

}
