package io.lionherd.concurrency.micrometer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitListener;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.internal.Checks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Publishes every limit of a {@link ConcurrencyLimitRegistry}, including those created
 * after binding, as the {@code lionherd.capacity.*} meters tagged {@code name}:
 * {@code in-use}, {@code available} and {@code waiting} (Gauges of
 * {@link ConcurrencyLimit#inUse()}, {@link ConcurrencyLimit#available()} and
 * {@link ConcurrencyLimit#waitingCount()}), {@code wait} (Timer, zero for an immediate
 * grant), {@code rejected} (Counter of acquires that timed out) and
 * {@code backend.errors} (Counter of the failures of a shared limit's backend).
 *
 * <pre>{@code
 * new ConcurrencyLimitMetrics(limits).bindTo(meterRegistry);
 * }</pre>
 */
public final class ConcurrencyLimitMetrics implements MeterBinder {

	static final String IN_USE = "lionherd.capacity.in-use";

	static final String AVAILABLE = "lionherd.capacity.available";

	static final String WAITING = "lionherd.capacity.waiting";

	static final String WAIT = "lionherd.capacity.wait";

	static final String REJECTED = "lionherd.capacity.rejected";

	static final String BACKEND_ERRORS = "lionherd.capacity.backend.errors";

	private final ConcurrencyLimitRegistry limits;

	private final Iterable<Tag> tags;

	/**
	 * @param limits the registry whose limits to publish
	 */
	public ConcurrencyLimitMetrics(ConcurrencyLimitRegistry limits) {
		this(limits, Tags.empty());
	}

	/**
	 * @param limits the registry whose limits to publish
	 * @param tags tags added to every meter
	 */
	public ConcurrencyLimitMetrics(ConcurrencyLimitRegistry limits, Iterable<Tag> tags) {
		this.limits = Checks.notNull(limits, "limits");
		this.tags = Checks.notNull(tags, "tags");
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Checks.notNull(registry, "registry");
		this.limits.addListener(new MeterListener(registry, this.tags));
	}

	/** The meters of one meter registry, registered as each limit joins. */
	private static final class MeterListener implements ConcurrencyLimitListener {

		private final MeterRegistry registry;

		private final Iterable<Tag> tags;

		private final Map<ConcurrencyLimit, Meters> meters = new ConcurrentHashMap<>();

		MeterListener(MeterRegistry registry, Iterable<Tag> tags) {
			this.registry = registry;
			this.tags = tags;
		}

		@Override
		public void added(ConcurrencyLimit limit) {
			Tags tags = Tags.concat(this.tags, "name", limit.name());
			Gauge.builder(IN_USE, limit, ConcurrencyLimit::inUse)
				.description("Permits of the concurrency limit held now")
				.tags(tags)
				.register(this.registry);
			Gauge.builder(AVAILABLE, limit, ConcurrencyLimit::available)
				.description("Permits of the concurrency limit free now")
				.tags(tags)
				.register(this.registry);
			Gauge.builder(WAITING, limit, ConcurrencyLimit::waitingCount)
				.description("Acquires of this instance waiting for a permit")
				.tags(tags)
				.register(this.registry);
			Timer wait = Timer.builder(WAIT)
				.description(
						"Time from asking a concurrency limit for a permit to its grant (zero when granted at once)")
				.tags(tags)
				.register(this.registry);
			Counter rejected = Counter.builder(REJECTED)
				.description("Acquires of a permit that timed out")
				.tags(tags)
				.register(this.registry);
			Counter backendErrors = Counter.builder(BACKEND_ERRORS)
				.description("Decisions a shared concurrency limit's backend could not make (e.g. Redis unreachable)")
				.tags(tags)
				.register(this.registry);
			this.meters.put(limit, new Meters(wait, rejected, backendErrors));
		}

		@Override
		public void acquired(ConcurrencyLimit limit, long waitNanos) {
			Meters meters = this.meters.get(limit);
			if (meters != null) {
				meters.waitTimer().record(waitNanos, TimeUnit.NANOSECONDS);
			}
		}

		@Override
		public void rejected(ConcurrencyLimit limit) {
			Meters meters = this.meters.get(limit);
			if (meters != null) {
				meters.rejectedCounter().increment();
			}
		}

		@Override
		public void backendError(ConcurrencyLimit limit, Throwable error) {
			Meters meters = this.meters.get(limit);
			if (meters != null) {
				meters.backendErrorsCounter().increment();
			}
		}

	}

	private record Meters(Timer waitTimer, Counter rejectedCounter, Counter backendErrorsCounter) {
	}

}
