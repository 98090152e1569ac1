package io.lionherd.concurrency.micrometer;

import io.lionherd.concurrency.ratelimit.SlidingWindowRateLimiter;
import io.lionherd.concurrency.internal.Checks;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * Publishes a named {@link SlidingWindowRateLimiter} as the {@code lionherd.ratelimiter.*}
 * meters, tagged {@code name}. The only class of the limiter that touches Micrometer, which is an
 * optional dependency: the limiter reports through its Micrometer-free
 * {@link SlidingWindowRateLimiter.Listener}.
 */
final class RateLimiterMetrics {

	static final String WAIT = "lionherd.ratelimiter.wait";

	static final String REJECTED = "lionherd.ratelimiter.rejected";

	static final String WAITING = "lionherd.ratelimiter.waiting";

	static final String AVAILABLE = "lionherd.ratelimiter.available";

	private RateLimiterMetrics() {
	}

	/**
	 * Registers the limiter's meters in {@code registry}; an unnamed limiter publishes nothing.
	 * The gauges hold the limiter weakly, so they do not keep a discarded limiter alive.
	 * @param limiter the limiter
	 * @param registry where to publish
	 */
	static void bind(SlidingWindowRateLimiter limiter, MeterRegistry registry) {
		Checks.notNull(limiter, "limiter");
		Checks.notNull(registry, "registry");
		String name = limiter.name();
		if (name == null) {
			return;
		}
		Tags tags = Tags.of("name", name);
		Timer wait = Timer.builder(WAIT)
			.description("Time from asking a rate limiter for a permit to its grant (zero when granted at once)")
			.tags(tags)
			.register(registry);
		Counter rejected = Counter.builder(REJECTED)
			.description("Permits refused by tryAcquire or acquires that timed out")
			.tags(tags)
			.register(registry);
		Gauge.builder(WAITING, limiter, SlidingWindowRateLimiter::waiting)
			.description("Acquires waiting for a permit")
			.tags(tags)
			.register(registry);
		Gauge.builder(AVAILABLE, limiter, SlidingWindowRateLimiter::available)
			.description("Permits that could be granted now")
			.tags(tags)
			.register(registry);
		limiter.addListener(new MeterListener(wait, rejected));
	}

	private static final class MeterListener implements SlidingWindowRateLimiter.Listener {

		private final Timer wait;

		private final Counter rejected;

		MeterListener(Timer wait, Counter rejected) {
			this.wait = wait;
			this.rejected = rejected;
		}

		@Override
		public void granted(long time, long waitNanos) {
			this.wait.record(waitNanos, TimeUnit.NANOSECONDS);
		}

		@Override
		public void rejected() {
			this.rejected.increment();
		}

	}

}
