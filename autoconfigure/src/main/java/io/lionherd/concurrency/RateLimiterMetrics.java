package io.lionherd.concurrency;

import io.micrometer.core.instrument.MeterRegistry;

/** PLACEHOLDER: being written under issue 4. */
final class RateLimiterMetrics {

	private RateLimiterMetrics() {
	}

	static void bind(SlidingWindowRateLimiter limiter, MeterRegistry registry) {
	}

}
