package io.lionherd.concurrency;

import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.internal.SharedDelayScheduler;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Wake-ups, meter failures, proxies and limiter names: behaviour that depends on more than one
 * piece of {@link AsyncUtils} working together.
 */
class AsyncUtilsReviewFixesTests {

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

	@Test
	void failingMeterRegistryNeitherFailsNorStrandsTheMonitoredCall() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		registry.config().meterFilter(new MeterFilter() {
			@Override
			public Meter.Id map(Meter.Id id) {
				throw new IllegalStateException("broken filter");
			}
		});
		AsyncUtils monitored = AsyncUtils.builder().executor(this.singleThread).meterRegistry(registry).build();
		CompletableFuture<Integer> later = new CompletableFuture<>();
		CompletableFuture<MonitorResult<Integer>> pending = monitored.monitorAsync("pending", () -> later);
		later.complete(84);
		assertThat(pending).succeedsWithin(WAIT).extracting(MonitorResult::result).isEqualTo(84);
		assertThat(monitored.monitorAsync("done", () -> CompletableFuture.completedFuture(42))).succeedsWithin(WAIT)
			.extracting(MonitorResult::result)
			.isEqualTo(42);
	}

	interface Fetcher {

		CompletableFuture<String> fetch();

	}

	@Test
	void jdkProxyOfAnAsyncFunctionalInterfaceIsAsync() {
		Object proxy = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Fetcher.class },
				(self, method, args) -> CompletableFuture.completedFuture("fetched"));
		assertThat(this.asyncUtils.isAsync(proxy)).isTrue();
	}

	@Test
	void jdkProxyWithAPlainHandlerIsJudgedByItsInterfacesNotByTheHandler() {
		Object proxy = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Supplier.class },
				new AsyncCallableHandler());
		assertThat(this.asyncUtils.isAsync(proxy)).isFalse();
	}

	/** A handler that happens to be async itself: it is not what the proxy stands for. */
	static final class AsyncCallableHandler implements java.lang.reflect.InvocationHandler, AsyncCallable<String> {

		@Override
		public Object invoke(Object proxy, java.lang.reflect.Method method, Object[] args) {
			return "value";
		}

		@Override
		public CompletableFuture<String> call() {
			return CompletableFuture.completedFuture("value");
		}

	}

	@Test
	void secondRateLimiterWithTheSameNameIsRejected() {
		this.asyncUtils.rateLimiter("payments", 1, Duration.ofSeconds(1));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.asyncUtils.rateLimiter("payments", 2, Duration.ofSeconds(1)))
			.withMessage("name must be unique, but a rate limiter named 'payments' already exists on this AsyncUtils");
	}

	@Test
	void sleepCompletedByTheCallerLeavesTheTimerQueue() {
		int before = SharedDelayScheduler.pendingCount();
		CompletableFuture<Void> sleep = this.asyncUtils.sleep(Duration.ofHours(1));
		sleep.complete(null);
		assertThat(SharedDelayScheduler.pendingCount()).isLessThanOrEqualTo(before);
	}

}
