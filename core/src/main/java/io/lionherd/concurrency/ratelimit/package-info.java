/**
 * Sliding-window rate limiters: the {@link io.lionherd.concurrency.ratelimit.RateLimiter}
 * API, its {@link io.lionherd.concurrency.ratelimit.RateLimiterConfig}, the
 * {@link io.lionherd.concurrency.ratelimit.RateLimiterRegistry} that owns named limiters,
 * and the in-memory sliding window. Other backends plug in through
 * {@link io.lionherd.concurrency.ratelimit.RateLimiterFactory}; what a distributed one
 * does when it cannot decide is its
 * {@link io.lionherd.concurrency.ratelimit.OnBackendFailure}.
 */
@NullMarked
package io.lionherd.concurrency.ratelimit;

import org.jspecify.annotations.NullMarked;
