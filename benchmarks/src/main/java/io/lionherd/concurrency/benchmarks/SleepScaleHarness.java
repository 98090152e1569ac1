package io.lionherd.concurrency.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.lionherd.concurrency.AsyncUtils;

/**
 * One-shot measurement of many concurrent sleeps, run by {@link BenchmarkRunner} in a
 * fresh JVM per side and repetition (so thread counts and heap are those of that side
 * alone):
 * <ul>
 * <li>{@code ours}: {@code asyncUtils.sleep(d)} as configured by default: woken on its
 * own wake-up threads (a pool of one per core, at least two, before Java 21; virtual
 * threads after);</li>
 * <li>{@code alternative}: {@code CompletableFuture.supplyAsync(() -> null,
 * CompletableFuture.delayedExecutor(d, unit, pool))} on a fixed two-thread pool.</li>
 * </ul>
 * Each JVM runs a cold round and a warm round of {@code count} sleeps of {@code millis}
 * each, started back to back, and reports the wall time until the last one completed, the
 * peak number of live threads during the warm round
 * ({@code ThreadMXBean.resetPeakThreadCount} first), the number of timer threads
 * ({@code lionherd-timer} or the JDK's {@code CompletableFutureDelayScheduler}), the heap
 * used (after {@code System.gc()}) by {@code count} still-pending 60 s sleeps, and the
 * heap still used after all of them were cancelled and dropped (what the timer keeps for
 * cancelled sleeps).
 * <p>
 * Prints one line: {@code RESULT key=value ...}. Usage:
 * {@code SleepScaleHarness ours|alternative
 * [count] [millis]}.
 */
public final class SleepScaleHarness {

	static final String OURS_TIMER = "lionherd-timer";

	static final String JDK_TIMER = "CompletableFutureDelayScheduler";

	private SleepScaleHarness() {
	}

	public static void main(String[] args) throws Exception {
		String side = args.length > 0 ? args[0] : "ours";
		int count = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
		long millis = args.length > 2 ? Long.parseLong(args[2]) : 50;
		boolean ours = switch (side) {
			case "ours" -> true;
			case "alternative" -> false;
			default -> throw new IllegalArgumentException("side must be ours or alternative, not " + side);
		};

		ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
		if (!ours) {
			// Ours never hands sleeps to this pool (runSync's executor): its threads
			// would only inflate our thread count.
			pool.prestartAllCoreThreads();
		}
		Function<Duration, CompletableFuture<?>> sleeper = ours ? oursSleeper(pool) : jdkSleeper(pool);
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		Duration delay = Duration.ofMillis(millis);

		long[] cold = round(sleeper, count, delay);

		settle(memory);
		int threadsBefore = threads.getThreadCount();
		threads.resetPeakThreadCount();
		long[] warm = round(sleeper, count, delay);
		int peakThreads = threads.getPeakThreadCount();
		int timerThreads = countThreads(threads, ours ? OURS_TIMER : JDK_TIMER);

		// Heap: `count` sleeps long enough to be still pending when measured, then
		// cancelled. The loops live in helper methods: a loop's iterator left in this
		// frame would keep the list (and every future) reachable after `pending = null`.
		long heapBase = settle(memory);
		List<CompletableFuture<?>> pending = schedule(sleeper, count, Duration.ofSeconds(60));
		long heapPending = settle(memory) - heapBase;
		cancelAll(pending);
		pending = null;
		long heapAfterCancel = settle(memory) - heapBase;

		System.out.printf(Locale.ROOT,
				"RESULT side=%s count=%d millis=%d coldWallMs=%.1f coldScheduleMs=%.1f wallMs=%.1f scheduleMs=%.1f "
						+ "threadsBefore=%d peakThreads=%d timerThreads=%d heapPendingBytes=%d heapAfterCancelBytes=%d%n",
				side, count, millis, cold[0] / 1e6, cold[1] / 1e6, warm[0] / 1e6, warm[1] / 1e6, threadsBefore,
				peakThreads, timerThreads, heapPending, heapAfterCancel);
		pool.shutdownNow();
		System.exit(0);
	}

	static Function<Duration, CompletableFuture<?>> oursSleeper(Executor pool) {
		AsyncUtils asyncUtils = AsyncUtils.create(pool);
		return asyncUtils::sleep;
	}

	static Function<Duration, CompletableFuture<?>> jdkSleeper(Executor pool) {
		return (delay) -> CompletableFuture.supplyAsync(() -> null,
				CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS, pool));
	}

	private static List<CompletableFuture<?>> schedule(Function<Duration, CompletableFuture<?>> sleeper, int count,
			Duration delay) {
		List<CompletableFuture<?>> futures = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			futures.add(sleeper.apply(delay));
		}
		return futures;
	}

	private static void cancelAll(List<CompletableFuture<?>> futures) {
		for (CompletableFuture<?> future : futures) {
			future.cancel(false);
		}
	}

	/**
	 * @return {wall nanos until all completed, nanos to schedule them all}
	 */
	private static long[] round(Function<Duration, CompletableFuture<?>> sleeper, int count, Duration delay) {
		CompletableFuture<?>[] futures = new CompletableFuture<?>[count];
		long start = System.nanoTime();
		for (int i = 0; i < count; i++) {
			futures[i] = sleeper.apply(delay);
		}
		long scheduled = System.nanoTime();
		for (CompletableFuture<?> future : futures) {
			future.join();
		}
		long end = System.nanoTime();
		return new long[] { end - start, scheduled - start };
	}

	private static long settle(MemoryMXBean memory) throws InterruptedException {
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(50);
		}
		return memory.getHeapMemoryUsage().getUsed();
	}

	private static int countThreads(ThreadMXBean threads, String name) {
		int found = 0;
		for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
			if (info != null && info.getThreadName().equals(name)) {
				found++;
			}
		}
		return found;
	}

}
