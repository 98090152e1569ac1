/**
 * Spring-free async helpers ported from lionherd-core: {@link io.lionherd.concurrency.AsyncUtils}
 * ({@code runSync}, {@code gather}, {@code sleep}, {@code currentTime}, {@code isAsync}, the
 * performance monitor) and the sliding-window {@link io.lionherd.concurrency.RateLimiter}.
 */
@NullMarked
package io.lionherd.concurrency;

import org.jspecify.annotations.NullMarked;
