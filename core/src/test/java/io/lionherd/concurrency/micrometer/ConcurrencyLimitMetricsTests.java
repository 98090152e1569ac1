package io.lionherd.concurrency.micrometer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitConfig;
import io.lionherd.concurrency.capacity.ConcurrencyLimitFactory;
import io.lionherd.concurrency.capacity.ConcurrencyLimitListener;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConcurrencyLimitMetrics}: the {@code lionherd.capacity.*} meters of
 * every limit of a registry, on {@link ManualTime}.
 */
class ConcurrencyLimitMetricsTests {

	private final ManualTime time = new ManualTime();

	private final ConcurrencyLimitFactory inMemory = ConcurrencyLimitFactory.inMemory(this.time, this.time,
			ManualTime.DIRECT);

	private final ConcurrencyLimitRegistry limits = new ConcurrencyLimitRegistry(this.inMemory);

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private ConcurrencyLimit limit(String name, int total) {
		return this.limits.concurrencyLimit(name, ConcurrencyLimitConfig.of(total));
	}

	private double gauge(String name, String limit) {
		return this.registry.get(name).tag("name", limit).gauge().value();
	}

	@Test
	void bindRegistersSixMetersTaggedWithTheLimitsName() {
		limit("provider", 2);
		new ConcurrencyLimitMetrics(this.limits).bindTo(this.registry);
		assertThat(this.registry.getMeters()).extracting((meter) -> meter.getId().getName())
			.containsExactlyInAnyOrder("lionherd.capacity.in-use", "lionherd.capacity.available",
					"lionherd.capacity.waiting", "lionherd.capacity.wait", "lionherd.capacity.rejected",
					"lionherd.capacity.backend.errors");
		assertThat(this.registry.getMeters()).extracting((meter) -> meter.getId().getTags())
			.allMatch((tags) -> tags.equals(List.of(Tag.of("name", "provider"))));
		assertThat(this.registry.get("lionherd.capacity.wait").meter().getId().getType()).isEqualTo(Meter.Type.TIMER);
		assertThat(this.registry.get("lionherd.capacity.in-use").meter().getId().getType()).isEqualTo(Meter.Type.GAUGE);
		assertThat(this.registry.get("lionherd.capacity.rejected").meter().getId().getType())
			.isEqualTo(Meter.Type.COUNTER);
	}

	@Test
	void extraTagsGoOnEveryMeter() {
		limit("provider", 2);
		new ConcurrencyLimitMetrics(this.limits, Tags.of("app", "billing")).bindTo(this.registry);
		assertThat(this.registry.getMeters()).hasSize(6)
			.extracting((meter) -> meter.getId().getTags())
			.allMatch((tags) -> tags.equals(List.of(Tag.of("app", "billing"), Tag.of("name", "provider"))));
	}

	@Test
	void gaugesFollowThePermitsHeldFreeAndWaitedFor() {
		ConcurrencyLimit limit = limit("provider", 2);
		new ConcurrencyLimitMetrics(this.limits).bindTo(this.registry);
		assertThat(gauge("lionherd.capacity.available", "provider")).isEqualTo(2);
		CapacityLimiter.Permit first = limit.acquire().join();
		limit.acquire().join();
		limit.acquire();
		assertThat(gauge("lionherd.capacity.in-use", "provider")).isEqualTo(2);
		assertThat(gauge("lionherd.capacity.available", "provider")).isZero();
		assertThat(gauge("lionherd.capacity.waiting", "provider")).isOne();
		first.close();
		assertThat(gauge("lionherd.capacity.in-use", "provider")).isEqualTo(2);
		assertThat(gauge("lionherd.capacity.waiting", "provider")).isZero();
	}

	@Test
	void theWaitTimerRecordsEveryGrantWithItsWait() {
		ConcurrencyLimit limit = limit("provider", 1);
		new ConcurrencyLimitMetrics(this.limits).bindTo(this.registry);
		CapacityLimiter.Permit held = limit.acquire().join();
		CompletableFuture<CapacityLimiter.Permit> waiter = limit.acquire();
		this.time.advance(Duration.ofMillis(300));
		held.close();
		assertThat(waiter).isCompleted();
		Timer wait = this.registry.get("lionherd.capacity.wait").tag("name", "provider").timer();
		assertThat(wait.count()).isEqualTo(2);
		assertThat(wait.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(300);
		assertThat(wait.max(TimeUnit.MILLISECONDS)).isEqualTo(300);
	}

	@Test
	void theRejectedCounterCountsTimeouts() {
		ConcurrencyLimit limit = limit("provider", 1);
		new ConcurrencyLimitMetrics(this.limits).bindTo(this.registry);
		limit.acquire().join();
		limit.acquire(Duration.ZERO);
		limit.acquire(Duration.ofSeconds(1));
		this.time.advance(Duration.ofSeconds(1));
		assertThat(this.registry.get("lionherd.capacity.rejected").tag("name", "provider").counter().count())
			.isEqualTo(2);
	}

	@Test
	void theBackendErrorsCounterCountsWhatASharedLimitReports() {
		List<ConcurrencyLimitListener> given = new ArrayList<>();
		ConcurrencyLimitFactory shared = (name, config, listener) -> {
			given.add(listener);
			return this.inMemory.create(name, config, listener);
		};
		new ConcurrencyLimitMetrics(this.limits).bindTo(this.registry);
		ConcurrencyLimit limit = this.limits.concurrencyLimit("shared", ConcurrencyLimitConfig.of(1), shared);
		// As a shared backend reports a failure it could not decide through.
		given.get(0).backendError(limit, new IllegalStateException("unreachable"));
		given.get(0).backendError(limit, new IllegalStateException("unreachable"));
		assertThat(this.registry.get("lionherd.capacity.backend.errors").tag("name", "shared").counter().count())
			.isEqualTo(2);
	}

	@Test
	void limitsCreatedAfterBindingArePublishedToo() {
		new ConcurrencyLimitMetrics(this.limits).bindTo(this.registry);
		ConcurrencyLimit later = limit("later", 1);
		later.acquire().join();
		later.acquire(Duration.ZERO);
		assertThat(this.registry.get("lionherd.capacity.wait").tag("name", "later").timer().count()).isOne();
		assertThat(this.registry.get("lionherd.capacity.rejected").tag("name", "later").counter().count()).isOne();
		assertThat(gauge("lionherd.capacity.in-use", "later")).isOne();
	}

	@Test
	void eachLimitHasItsOwnMeters() {
		ConcurrencyLimit provider = limit("provider", 1);
		limit("search", 1);
		new ConcurrencyLimitMetrics(this.limits).bindTo(this.registry);
		provider.acquire().join();
		assertThat(gauge("lionherd.capacity.in-use", "provider")).isOne();
		assertThat(gauge("lionherd.capacity.in-use", "search")).isZero();
		assertThat(this.registry.get("lionherd.capacity.wait").tag("name", "search").timer().count()).isZero();
	}

}
