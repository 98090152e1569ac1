/**
 * Micrometer bindings, read from public state: the {@code lionherd.ratelimiter.*} meters
 * of a {@link io.lionherd.concurrency.ratelimit.RateLimiterRegistry} and the
 * {@code lionherd.monitor} timers. The only package that loads Micrometer, an optional
 * dependency.
 */
@NullMarked
package io.lionherd.concurrency.micrometer;

import org.jspecify.annotations.NullMarked;
