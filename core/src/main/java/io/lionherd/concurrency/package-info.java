/**
 * Spring-free async helpers ported from lionherd-core:
 * {@link io.lionherd.concurrency.AsyncUtils} ({@code runSync}, {@code gather},
 * {@code sleep}, {@code currentTime}, {@code isAsync}, the performance monitor) and its
 * value types, {@link io.lionherd.concurrency.Ticker} and
 * {@link io.lionherd.concurrency.DelayScheduler}, the time sources everything here runs
 * on.
 */
@NullMarked
package io.lionherd.concurrency;

import org.jspecify.annotations.NullMarked;
