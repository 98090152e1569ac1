package io.lionherd.concurrency.micrometer;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.SlidingWindowRateLimiter;
import io.lionherd.concurrency.ManualTime;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link RateLimiterMetrics}.
 */
class RateLimiterMetricsTests {

	private static final Duration PERIOD = Duration.ofMillis(500);

	private final ManualTime time = new ManualTime();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void bindRegistersFourMetersTaggedWithTheLimiterName() {
		RateLimiterMetrics.bind(limiter("github", 2), this.registry);
		assertThat(this.registry.getMeters()).extracting((meter) -> meter.getId().getName())
			.containsExactlyInAnyOrder("lionherd.ratelimiter.wait", "lionherd.ratelimiter.rejected",
					"lionherd.ratelimiter.waiting", "lionherd.ratelimiter.available");
		assertThat(this.registry.getMeters()).extracting((meter) -> meter.getId().getTags())
			.allMatch((tags) -> tags.equals(List.of(Tag.of("name", "github"))));
		assertThat(this.registry.get("lionherd.ratelimiter.wait").meter().getId().getType())
			.isEqualTo(Meter.Type.TIMER);
	}

	@Test
	void waitTimerRecordsEveryGrantWithItsWait() {
		SlidingWindowRateLimiter limiter = limiter("github", 1);
		RateLimiterMetrics.bind(limiter, this.registry);
		assertThat(limiter.tryAcquire()).isTrue();
		this.time.advance(Duration.ofMillis(100));
		CompletableFuture<Void> waiter = limiter.acquire();
		this.time.advance(PERIOD);
		assertThat(waiter).isCompleted();
		Timer wait = this.registry.get("lionherd.ratelimiter.wait").tag("name", "github").timer();
		assertThat(wait.count()).isEqualTo(2);
		assertThat(wait.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(400);
		assertThat(wait.max(TimeUnit.MILLISECONDS)).isEqualTo(400);
	}

	@Test
	void rejectedCounterCountsRefusedTryAcquiresAndTimedOutAcquires() {
		SlidingWindowRateLimiter limiter = limiter("github", 1);
		RateLimiterMetrics.bind(limiter, this.registry);
		limiter.tryAcquire();
		limiter.tryAcquire();
		limiter.acquire(Duration.ZERO);
		limiter.acquire(Duration.ofMillis(10));
		limiter.acquire().cancel(false);
		this.time.advance(Duration.ofMillis(10));
		assertThat(this.registry.get("lionherd.ratelimiter.rejected").counter().count()).isEqualTo(3);
	}

	@Test
	void gaugesTellWaitersAndFreePermits() {
		SlidingWindowRateLimiter limiter = limiter("github", 3);
		RateLimiterMetrics.bind(limiter, this.registry);
		Gauge waiting = this.registry.get("lionherd.ratelimiter.waiting").gauge();
		Gauge available = this.registry.get("lionherd.ratelimiter.available").gauge();
		assertThat(available.value()).isEqualTo(3);
		limiter.tryAcquire();
		assertThat(available.value()).isEqualTo(2);
		for (int i = 0; i < 4; i++) {
			limiter.acquire();
		}
		assertThat(waiting.value()).isEqualTo(2);
		assertThat(available.value()).isZero();
		this.time.advance(PERIOD);
		assertThat(waiting.value()).isZero();
		assertThat(available.value()).isOne();
	}

	@Test
	void unnamedLimiterPublishesNothing() {
		SlidingWindowRateLimiter limiter = limiter(null, 1);
		RateLimiterMetrics.bind(limiter, this.registry);
		limiter.tryAcquire();
		limiter.tryAcquire();
		assertThat(this.registry.getMeters()).isEmpty();
	}

	@Test
	void everyBoundRegistryRecords() {
		SimpleMeterRegistry other = new SimpleMeterRegistry();
		SlidingWindowRateLimiter limiter = limiter("github", 1);
		RateLimiterMetrics.bind(limiter, this.registry);
		RateLimiterMetrics.bind(limiter, other);
		limiter.tryAcquire();
		limiter.tryAcquire();
		for (SimpleMeterRegistry each : new SimpleMeterRegistry[] { this.registry, other }) {
			assertThat(each.get("lionherd.ratelimiter.wait").timer().count()).isOne();
			assertThat(each.get("lionherd.ratelimiter.rejected").counter().count()).isOne();
		}
	}

	@Test
	void gaugesDoNotKeepADiscardedLimiterAlive() {
		WeakReference<SlidingWindowRateLimiter> limiter = bindAndForget();
		Gauge waiting = this.registry.get("lionherd.ratelimiter.waiting").gauge();
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
			System.gc();
			return limiter.get() == null;
		});
		assertThat(waiting.value()).isNaN();
	}

	@Test
	void asyncUtilsPublishesItsNamedLimiters() {
		AsyncUtils asyncUtils = AsyncUtils.builder()
			.executor(ManualTime.DIRECT)
			.ticker(this.time)
			.scheduler(this.time)
			.meterRegistry(this.registry)
			.build();
		RateLimiter limiter = asyncUtils.rateLimiter("search", 1, PERIOD);
		asyncUtils.rateLimiter(1, PERIOD).tryAcquire();
		limiter.tryAcquire();
		limiter.tryAcquire();
		assertThat(this.registry.get("lionherd.ratelimiter.wait").tag("name", "search").timer().count()).isOne();
		assertThat(this.registry.get("lionherd.ratelimiter.rejected").tag("name", "search").counter().count())
			.isOne();
		assertThat(this.registry.find("lionherd.ratelimiter.wait").timers()).hasSize(1);
	}

	private WeakReference<SlidingWindowRateLimiter> bindAndForget() {
		SlidingWindowRateLimiter limiter = limiter("temporary", 1);
		RateLimiterMetrics.bind(limiter, this.registry);
		assertThat(this.registry.get("lionherd.ratelimiter.available").gauge().value()).isOne();
		return new WeakReference<>(limiter);
	}

	private SlidingWindowRateLimiter limiter(String name, int maxCalls) {
		return new SlidingWindowRateLimiter(name, maxCalls, PERIOD, this.time, this.time, ManualTime.DIRECT);
	}

}
