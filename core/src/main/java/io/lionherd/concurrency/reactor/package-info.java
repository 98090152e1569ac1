/**
 * Reactor operators for {@code Mono} and {@code Flux} callers: a permit, a retry and a
 * monitor applied per subscription with {@code transformDeferred}, never blocking a
 * thread. Reactor is an optional dependency: these classes load only when it is on the
 * class path.
 */
@NullMarked
package io.lionherd.concurrency.reactor;

import org.jspecify.annotations.NullMarked;
