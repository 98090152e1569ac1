package io.lionherd.concurrency;

import org.jspecify.annotations.Nullable;

/**
 * One body of a {@link CompletionStream} that has completed: lionherd-core's
 * {@code (index, result)} pair.
 *
 * @param index the body's position in the input collection, from 0
 * @param value what its stage completed with (for the settled variant, its
 * {@link Outcome})
 * @param <T> the value type
 */
public record Completed<T>(int index, @Nullable T value) {
}
