package io.lionherd.concurrency.micrometer;

import io.lionherd.concurrency.MonitorRecorder;
import io.lionherd.concurrency.ratelimit.SlidingWindowRateLimiter;

/**
 * Where {@link AsyncUtils} publishes its meters, in Micrometer-free terms: {@code AsyncUtils}
 * must load (and be introspected by Spring) without Micrometer on the class path.
 */
interface MetricsSink {

	/** The registry behind this sink: binding the same one twice is a no-op. */
	Object registry();

	MonitorRecorder monitorRecorder(int maxNames);

	void bind(SlidingWindowRateLimiter limiter);

}
