package io.lionherd.concurrency.micrometer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Publishes every limiter of a {@link RateLimiterRegistry}, including those created after
 * binding, as the {@code lionherd.ratelimiter.*} meters tagged {@code name}: {@code wait}
 * (Timer, zero for an immediate grant), {@code rejected} (Counter), {@code waiting} and
 * {@code available} (Gauges of {@link RateLimiter#waitingCount()} and
 * {@link RateLimiter#availablePermits()}, holding the limiter weakly) and
 * {@code backend.errors} (Counter of the failures of a distributed limiter's backend,
 * e.g. Redis unreachable).
 *
 * <pre>{@code
 * new RateLimiterMetrics(limiters, Tags.of("app", "billing")).bindTo(meterRegistry);
 * }</pre>
 */
public final class RateLimiterMetrics implements MeterBinder {

	static final String WAIT = "lionherd.ratelimiter.wait";

	static final String REJECTED = "lionherd.ratelimiter.rejected";

	static final String WAITING = "lionherd.ratelimiter.waiting";

	static final String AVAILABLE = "lionherd.ratelimiter.available";

	static final String BACKEND_ERRORS = "lionherd.ratelimiter.backend.errors";

	private final RateLimiterRegistry limiters;

	private final Iterable<Tag> tags;

	/**
	 * @param limiters the registry whose limiters to publish
	 */
	public RateLimiterMetrics(RateLimiterRegistry limiters) {
		this(limiters, Tags.empty());
	}

	/**
	 * @param limiters the registry whose limiters to publish
	 * @param tags tags added to every meter
	 */
	public RateLimiterMetrics(RateLimiterRegistry limiters, Iterable<Tag> tags) {
		this.limiters = Checks.notNull(limiters, "limiters");
		this.tags = Checks.notNull(tags, "tags");
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Checks.notNull(registry, "registry");
		this.limiters.addListener(new MeterListener(registry, this.tags));
	}

	/** The meters of one meter registry, registered as each limiter joins. */
	private static final class MeterListener implements RateLimiterListener {

		private final MeterRegistry registry;

		private final Iterable<Tag> tags;

		private final Map<RateLimiter, Meters> meters = new ConcurrentHashMap<>();

		MeterListener(MeterRegistry registry, Iterable<Tag> tags) {
			this.registry = registry;
			this.tags = tags;
		}

		@Override
		public void added(RateLimiter limiter) {
			Tags tags = Tags.concat(this.tags, "name", limiter.name());
			Timer wait = Timer.builder(WAIT)
				.description("Time from asking a rate limiter for a permit to its grant (zero when granted at once)")
				.tags(tags)
				.register(this.registry);
			Counter rejected = Counter.builder(REJECTED)
				.description("Permits refused by tryAcquire or acquires that timed out")
				.tags(tags)
				.register(this.registry);
			Gauge.builder(WAITING, limiter, RateLimiter::waitingCount)
				.description("Acquires waiting for a permit")
				.tags(tags)
				.register(this.registry);
			Gauge.builder(AVAILABLE, limiter, RateLimiter::availablePermits)
				.description("Permits that could be granted now")
				.tags(tags)
				.register(this.registry);
			Counter backendErrors = Counter.builder(BACKEND_ERRORS)
				.description("Decisions a distributed rate limiter's backend could not make (e.g. Redis unreachable)")
				.tags(tags)
				.register(this.registry);
			this.meters.put(limiter, new Meters(wait, rejected, backendErrors));
		}

		@Override
		public void granted(RateLimiter limiter, long waitNanos) {
			Meters meters = this.meters.get(limiter);
			if (meters != null) {
				meters.waitTimer().record(waitNanos, TimeUnit.NANOSECONDS);
			}
		}

		@Override
		public void rejected(RateLimiter limiter) {
			Meters meters = this.meters.get(limiter);
			if (meters != null) {
				meters.rejectedCounter().increment();
			}
		}

		@Override
		public void backendError(RateLimiter limiter, Throwable error) {
			Meters meters = this.meters.get(limiter);
			if (meters != null) {
				meters.backendErrorsCounter().increment();
			}
		}

	}

	private record Meters(Timer waitTimer, Counter rejectedCounter, Counter backendErrorsCounter) {
	}

}
