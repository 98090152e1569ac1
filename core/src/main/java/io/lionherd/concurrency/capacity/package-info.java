/**
 * Named concurrency limits: the {@link io.lionherd.concurrency.capacity.ConcurrencyLimit}
 * API, its {@link io.lionherd.concurrency.capacity.ConcurrencyLimitConfig}, and the
 * {@link io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry} that owns them, each
 * held in memory (a {@link io.lionherd.concurrency.CapacityLimiter}) or shared by every
 * instance through a backend plugged in with
 * {@link io.lionherd.concurrency.capacity.ConcurrencyLimitFactory}.
 */
@NullMarked
package io.lionherd.concurrency.capacity;

import org.jspecify.annotations.NullMarked;
