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
 * e.g. Redis unreachable). The limiters of its keys
 * ({@link RateLimiterRegistry#get(String, String)}) count in the meters of their name,
 * never in meters of their own; {@code keys} (Gauge of
 * {@link RateLimiterRegistry#keyCount(String)}) and {@code keys.refused} (Counter of new
 * keys refused by a full key table, also counted in {@code rejected}) tell how many keys
 * there are.
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

	static final String KEYS = "lionherd.ratelimiter.keys";

	static final String KEYS_REFUSED = "lionherd.ratelimiter.keys.refused";

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
		this.limiters.addListener(new MeterListener(this.limiters, registry, this.tags));
	}

	/** The meters of one meter registry, registered as each limiter joins. */
	private static final class MeterListener implements RateLimiterListener {

		private final RateLimiterRegistry limiters;

		private final MeterRegistry registry;

		private final Iterable<Tag> tags;

		private final Map<RateLimiter, Meters> meters = new ConcurrentHashMap<>();

		MeterListener(RateLimiterRegistry limiters, MeterRegistry registry, Iterable<Tag> tags) {
			this.limiters = limiters;
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
			String name = limiter.name();
			Gauge.builder(KEYS, this.limiters, (limiters) -> limiters.keyCount(name))
				.description("Client keys of the rate limiter with state in this instance")
				.tags(tags)
				.register(this.registry);
			Counter keysRefused = Counter.builder(KEYS_REFUSED)
				.description("Requests for a new client key refused because the key table was full (max-keys)")
				.tags(tags)
				.register(this.registry);
			this.meters.put(limiter, new Meters(wait, rejected, backendErrors, keysRefused));
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

		@Override
		public void keyRefused(RateLimiter limiter) {
			Meters meters = this.meters.get(limiter);
			if (meters != null) {
				meters.keysRefusedCounter().increment();
			}
		}

	}

	private record Meters(Timer waitTimer, Counter rejectedCounter, Counter backendErrorsCounter,
			Counter keysRefusedCounter) {
	}

}
