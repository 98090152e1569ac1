package io.lionherd.concurrency.micrometer;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.MonitorRecorder;
import io.lionherd.concurrency.ratelimit.SlidingWindowRateLimiter;
import io.lionherd.concurrency.internal.Checks;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Publishes the meters of an {@link AsyncUtils}: the {@code lionherd.monitor} timers (unless its
 * monitor is disabled) and the {@code lionherd.ratelimiter.*} meters of its named rate limiters,
 * including those created after binding. The Spring Boot starter registers one for you; in plain
 * Java use {@code AsyncUtils.builder().meterRegistry(registry)} or
 * {@code new AsyncUtilsMetrics(asyncUtils).bindTo(registry)}.
 */
public final class AsyncUtilsMetrics implements MeterBinder {

	private final AsyncUtils asyncUtils;

	/**
	 * @param asyncUtils the instance whose meters to publish
	 */
	public AsyncUtilsMetrics(AsyncUtils asyncUtils) {
		this.asyncUtils = Checks.notNull(asyncUtils, "asyncUtils");
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.asyncUtils.bind(sink(registry));
	}

	static MetricsSink sink(MeterRegistry registry) {
		Checks.notNull(registry, "registry");
		return new MetricsSink() {

			@Override
			public Object registry() {
				return registry;
			}

			@Override
			public MonitorRecorder monitorRecorder(int maxNames) {
				return new MicrometerMonitorRecorder(registry, maxNames);
			}

			@Override
			public void bind(SlidingWindowRateLimiter limiter) {
				RateLimiterMetrics.bind(limiter, registry);
			}

		};
	}

}
