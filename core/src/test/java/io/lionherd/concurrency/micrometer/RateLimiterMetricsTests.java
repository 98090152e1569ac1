package io.lionherd.concurrency.micrometer;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterFactory;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
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

	private final RateLimiterRegistry limiters = new RateLimiterRegistry(
			RateLimiterFactory.inMemory(this.time, this.time, ManualTime.DIRECT));

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void bindRegistersSevenMetersTaggedWithTheLimiterName() {
		limiter("github", 2);
		new RateLimiterMetrics(this.limiters).bindTo(this.registry);
		assertThat(this.registry.getMeters()).extracting((meter) -> meter.getId().getName())
			.containsExactlyInAnyOrder("lionherd.ratelimiter.wait", "lionherd.ratelimiter.rejected",
					"lionherd.ratelimiter.waiting", "lionherd.ratelimiter.available",
					"lionherd.ratelimiter.backend.errors", "lionherd.ratelimiter.keys",
					"lionherd.ratelimiter.keys.refused");
		assertThat(this.registry.getMeters()).extracting((meter) -> meter.getId().getTags())
			.allMatch((tags) -> tags.equals(List.of(Tag.of("name", "github"))));
		assertThat(this.registry.get("lionherd.ratelimiter.wait").meter().getId().getType())
			.isEqualTo(Meter.Type.TIMER);
	}

	@Test
	void extraTagsGoOnEveryMeter() {
		limiter("github", 2);
		new RateLimiterMetrics(this.limiters, Tags.of("app", "billing")).bindTo(this.registry);
		assertThat(this.registry.getMeters()).hasSize(7)
			.extracting((meter) -> meter.getId().getTags())
			.allMatch((tags) -> tags.equals(List.of(Tag.of("app", "billing"), Tag.of("name", "github"))));
	}

	@Test
	void limitersCreatedAfterBindingArePublishedToo() {
		new RateLimiterMetrics(this.limiters).bindTo(this.registry);
		RateLimiter later = limiter("later", 1);
		later.tryAcquire();
		later.tryAcquire();
		assertThat(this.registry.get("lionherd.ratelimiter.wait").tag("name", "later").timer().count()).isOne();
		assertThat(this.registry.get("lionherd.ratelimiter.rejected").tag("name", "later").counter().count()).isOne();
	}

	@Test
	void waitTimerRecordsEveryGrantWithItsWait() {
		RateLimiter limiter = limiter("github", 1);
		new RateLimiterMetrics(this.limiters).bindTo(this.registry);
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
		RateLimiter limiter = limiter("github", 1);
		new RateLimiterMetrics(this.limiters).bindTo(this.registry);
		limiter.tryAcquire();
		limiter.tryAcquire();
		limiter.acquire(Duration.ZERO);
		limiter.acquire(Duration.ofMillis(10));
		limiter.acquire().cancel(false);
		this.time.advance(Duration.ofMillis(10));
		assertThat(this.registry.get("lionherd.ratelimiter.rejected").counter().count()).isEqualTo(3);
	}

	@Test
	void backendErrorsCounterCountsTheBackendFailuresALimiterReports() {
		List<RateLimiterListener> listeners = new ArrayList<>();
		RateLimiterFactory backend = (name, config, listener) -> {
			listeners.add(listener);
			return RateLimiterFactory.inMemory(this.time, this.time, ManualTime.DIRECT).create(name, config, listener);
		};
		RateLimiter limiter = this.limiters.rateLimiter("shared", RateLimiterConfig.of(1, PERIOD), backend);
		new RateLimiterMetrics(this.limiters).bindTo(this.registry);
		assertThat(this.registry.get("lionherd.ratelimiter.backend.errors").tag("name", "shared").counter().count())
			.isZero();
		listeners.get(0).backendError(limiter, new IllegalStateException("unreachable"));
		listeners.get(0).backendError(limiter, new IllegalStateException("unreachable"));
		assertThat(this.registry.get("lionherd.ratelimiter.backend.errors").tag("name", "shared").counter().count())
			.isEqualTo(2);
	}

	@Test
	void gaugesTellWaitersAndFreePermits() {
		RateLimiter limiter = limiter("github", 3);
		new RateLimiterMetrics(this.limiters).bindTo(this.registry);
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
	void everyBoundRegistryRecords() {
		SimpleMeterRegistry other = new SimpleMeterRegistry();
		RateLimiter limiter = limiter("github", 1);
		RateLimiterMetrics metrics = new RateLimiterMetrics(this.limiters);
		metrics.bindTo(this.registry);
		metrics.bindTo(other);
		limiter.tryAcquire();
		limiter.tryAcquire();
		for (SimpleMeterRegistry each : new SimpleMeterRegistry[] { this.registry, other }) {
			assertThat(each.get("lionherd.ratelimiter.wait").timer().count()).isOne();
			assertThat(each.get("lionherd.ratelimiter.rejected").counter().count()).isOne();
		}
	}

	@Test
	void limitersOutsideTheRegistryPublishNothing() {
		new RateLimiterMetrics(this.limiters).bindTo(this.registry);
		RateLimiter unnamed = RateLimiter.slidingWindow(1, PERIOD);
		unnamed.tryAcquire();
		unnamed.tryAcquire();
		assertThat(this.registry.getMeters()).isEmpty();
	}

	@Test
	void gaugesDoNotKeepADiscardedRegistryAlive() {
		WeakReference<RateLimiter> limiter = bindAndForget();
		Gauge waiting = this.registry.get("lionherd.ratelimiter.waiting").gauge();
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
			System.gc();
			return limiter.get() == null;
		});
		assertThat(waiting.value()).isNaN();
	}

	@Test
	void keysCountsTheLiveKeysOfANameAndKeysRefusedTheNewKeysAFullTableRefused() {
		this.limiters.rateLimiter("per-user", RateLimiterConfig.of(1, PERIOD).withMaxKeys(2));
		limiter("github", 1);
		new RateLimiterMetrics(this.limiters).bindTo(this.registry);
		this.limiters.get("per-user", "alice").tryAcquire();
		this.limiters.get("per-user", "bob").tryAcquire();
		this.limiters.get("per-user", "carol").tryAcquire();
		this.limiters.get("per-user", "carol").acquire();
		assertThat(this.registry.get("lionherd.ratelimiter.keys").tag("name", "per-user").gauge().value()).isEqualTo(2);
		assertThat(this.registry.get("lionherd.ratelimiter.keys.refused").tag("name", "per-user").counter().count())
			.isEqualTo(2);
		assertThat(this.registry.get("lionherd.ratelimiter.keys").tag("name", "github").gauge().value()).isZero();
		this.time.advance(PERIOD);
		assertThat(this.registry.get("lionherd.ratelimiter.keys").tag("name", "per-user").gauge().value()).isZero();
	}

	@Test
	void keysCountInTheMetersOfTheirNameAndNeverInMetersOfTheirOwn() {
		this.limiters.rateLimiter("per-user", RateLimiterConfig.of(1, PERIOD).withMaxKeys(2));
		new RateLimiterMetrics(this.limiters).bindTo(this.registry);
		this.limiters.get("per-user", "alice").tryAcquire();
		this.limiters.get("per-user", "alice").tryAcquire();
		this.limiters.get("per-user", "bob").tryAcquire();
		this.limiters.get("per-user", "carol").tryAcquire();
		assertThat(this.registry.getMeters()).hasSize(7)
			.extracting((meter) -> meter.getId().getTags())
			.allMatch((tags) -> tags.equals(List.of(Tag.of("name", "per-user"))));
		assertThat(this.registry.get("lionherd.ratelimiter.wait").timer().count()).isEqualTo(2);
		// alice's second try, and carol's new key refused by the full table.
		assertThat(this.registry.get("lionherd.ratelimiter.rejected").counter().count()).isEqualTo(2);
		assertThat(this.registry.get("lionherd.ratelimiter.keys.refused").counter().count()).isEqualTo(1);
	}

	private WeakReference<RateLimiter> bindAndForget() {
		RateLimiterRegistry temporary = new RateLimiterRegistry(
				RateLimiterFactory.inMemory(this.time, this.time, ManualTime.DIRECT));
		RateLimiter limiter = temporary.rateLimiter("temporary", RateLimiterConfig.of(1, PERIOD));
		new RateLimiterMetrics(temporary).bindTo(this.registry);
		assertThat(this.registry.get("lionherd.ratelimiter.available").gauge().value()).isOne();
		return new WeakReference<>(limiter);
	}

	private RateLimiter limiter(String name, int maxCalls) {
		return this.limiters.rateLimiter(name, RateLimiterConfig.of(maxCalls, PERIOD));
	}

}
