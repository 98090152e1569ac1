package io.lionherd.concurrency.internal;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.IsolatingClassLoader;
import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the Java 17-20 wake-up pool ({@link WakeUpExecutor#daemonPool()}), built
 * directly so they run on any JDK (on 21+ the shared wake-up executor is virtual
 * threads).
 */
class WakeUpExecutorTests {

	private static final Duration KEEP_ALIVE = Duration.ofMillis(200);

	private static final Duration STALL_CHECK = Duration.ofMillis(50);

	private final ThreadPoolExecutor pool = WakeUpExecutor.daemonPool();

	private final List<ThreadPoolExecutor> smallPools = new ArrayList<>();

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void shutdown() throws InterruptedException {
		this.release.countDown();
		this.smallPools.add(this.pool);
		for (ThreadPoolExecutor each : this.smallPools) {
			each.shutdownNow();
			assertThat(each.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	void continuationsBlockingMoreThreadsThanThePoolHasDoNotStallLaterSleeps() throws InterruptedException {
		// Manual time wakes the sleeps only once their continuations
		// are attached; the pool itself is built as the shared one
		// is, its stall check on the real shared timer.
		ManualTime time = new ManualTime();
		AsyncUtils asyncUtils = AsyncUtils.builder()
			.executor(Runnable::run)
			.wakeUpExecutor(this.pool)
			.ticker(time)
			.scheduler(time)
			.build();
		int blocked = this.pool.getCorePoolSize() + 2;
		CountDownLatch running = new CountDownLatch(this.pool.getCorePoolSize());
		for (int i = 0; i < blocked; i++) {
			asyncUtils.sleep(Duration.ofMillis(1)).thenRun(() -> blockUntilReleased(running));
		}
		time.advance(Duration.ofMillis(1));
		assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<Void> later = asyncUtils.sleep(Duration.ofMillis(10));
		time.advance(Duration.ofMillis(10));
		// The stall check on the real timer adds threads
		// every 50 ms: generous for a busy machine.
		assertThat(later).succeedsWithin(Duration.ofSeconds(30));
	}

	@Test
	void poolStartsNoMoreThanItsMaximumWhileEveryThreadIsBlocked() throws InterruptedException {
		ManualTime time = new ManualTime();
		WakeUpExecutor.DaemonPool small = smallPool(1, 3, time);
		CountDownLatch running = new CountDownLatch(3);
		for (int i = 0; i < 10; i++) {
			small.execute(() -> blockUntilReleased(running));
		}
		for (int check = 0; check < 10; check++) {
			time.advance(STALL_CHECK);
		}
		assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(small.getLargestPoolSize()).isEqualTo(3);
		assertThat(small.getQueue()).hasSize(7);
	}

	@Test
	void poolKeepsItsBaseThreadsWhileQueuedWakeUpsKeepFinishing() throws InterruptedException {
		ManualTime time = new ManualTime();
		WakeUpExecutor.DaemonPool small = smallPool(1, 3, time);
		CountDownLatch firstRunning = new CountDownLatch(1);
		CountDownLatch releaseFirst = new CountDownLatch(1);
		small.execute(() -> {
			firstRunning.countDown();
			awaitQuietly(releaseFirst);
		});
		small.execute(() -> blockUntilReleased(new CountDownLatch(1)));
		small.execute(() -> blockUntilReleased(new CountDownLatch(1)));
		assertThat(firstRunning.await(10, TimeUnit.SECONDS)).isTrue();
		time.advance(STALL_CHECK);
		releaseFirst.countDown();
		await().atMost(Duration.ofSeconds(10)).until(small::getCompletedTaskCount, (finished) -> finished == 1);
		time.advance(STALL_CHECK);
		assertThat(small.getLargestPoolSize()).isOne();
	}

	@Test
	void threadsStartedWhileBlockedEndOnceIdle() throws InterruptedException {
		ManualTime time = new ManualTime();
		WakeUpExecutor.DaemonPool small = smallPool(1, 4, time);
		CountDownLatch running = new CountDownLatch(3);
		Set<Thread> threads = ConcurrentHashMap.newKeySet();
		for (int i = 0; i < 3; i++) {
			small.execute(() -> {
				threads.add(Thread.currentThread());
				blockUntilReleased(running);
			});
		}
		for (int check = 0; check < 3; check++) {
			time.advance(STALL_CHECK);
		}
		assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(threads).hasSize(3);
		this.release.countDown();
		await().atMost(Duration.ofSeconds(10)).until(small::getActiveCount, (active) -> active == 0);
		time.advance(STALL_CHECK);
		assertThat(small.getCorePoolSize()).as("core size once the queue is empty").isOne();
		await("every thread of the pool to end").atMost(Duration.ofSeconds(10))
			.until(() -> small.getPoolSize() == 0 && threads.stream().noneMatch(Thread::isAlive));
	}

	@Test
	void maximumBelowTheBaseIsRejectedNamingBoth() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new WakeUpExecutor.DaemonPool(4, 3, KEEP_ALIVE, STALL_CHECK, new ManualTime()))
			.withMessage("maxThreads must be at least baseThreads (4), but was 3");
	}

	@Test
	void wakeUpThreadDoesNotPinTheClassLoaderOfTheCallerThatStartedIt() throws InterruptedException {
		WeakReference<ClassLoader> loader = startThreadFromThrowawayLoader();
		// Keep every pool thread alive (and so its
		// captured state reachable) while checking.
		CountDownLatch running = new CountDownLatch(this.pool.getCorePoolSize());
		for (int i = 0; i < this.pool.getCorePoolSize(); i++) {
			this.pool.execute(() -> blockUntilReleased(running));
		}
		assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
		await("the probe's throwaway class loader to be collected").atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> {
				System.gc();
				return loader.get() == null;
			});
	}

	/**
	 * Everything strong stays in this frame, so the caller holds only the weak reference.
	 */
	@SuppressWarnings("unchecked")
	private WeakReference<ClassLoader> startThreadFromThrowawayLoader() {
		ClassLoader loader = new IsolatingClassLoader(getClass().getClassLoader(),
				WakeUpExecutorLeakProbe.class.getName());
		Function<Executor, Thread> probe = (Function<Executor, Thread>) IsolatingClassLoader.newInstance(loader,
				WakeUpExecutorLeakProbe.class.getName());
		assertThat(probe.getClass().getClassLoader()).isSameAs(loader);
		Thread thread = probe.apply(this.pool);
		assertThat(thread.getName()).startsWith(WakeUpExecutor.THREAD_NAME_PREFIX);
		assertThat(thread.getContextClassLoader()).isNull();
		return new WeakReference<>(loader);
	}

	private WakeUpExecutor.DaemonPool smallPool(int baseThreads, int maxThreads, ManualTime time) {
		WakeUpExecutor.DaemonPool small = new WakeUpExecutor.DaemonPool(baseThreads, maxThreads, KEEP_ALIVE,
				STALL_CHECK, time);
		this.smallPools.add(small);
		return small;
	}

	private void blockUntilReleased(CountDownLatch running) {
		running.countDown();
		awaitQuietly(this.release);
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(60, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
