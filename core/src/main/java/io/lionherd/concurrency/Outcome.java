package io.lionherd.concurrency;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The settled result of one input of {@code gatherSettled}: a value or the error it
 * failed with.
 *
 * @param <T> the value type
 */
public sealed interface Outcome<T> permits Outcome.Success, Outcome.Failure {

	/**
	 * An input that completed normally.
	 *
	 * @param value the value it completed with
	 * @param <T> the value type
	 */
	record Success<T>(@Nullable T value) implements Outcome<T> {
	}

	/**
	 * An input that failed or was cancelled (then {@code error} is a
	 * {@link java.util.concurrent.CancellationException}).
	 *
	 * @param error the input's own exception, never a {@code CompletionException} wrapper
	 * @param <T> the value type
	 */
	record Failure<T>(Throwable error) implements Outcome<T> {

		public Failure {
			Objects.requireNonNull(error, "error must not be null");
		}

	}

}
