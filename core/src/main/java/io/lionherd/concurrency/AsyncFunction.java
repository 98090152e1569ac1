package io.lionherd.concurrency;

import java.util.concurrent.CompletionStage;

/**
 * An async function of one item, as {@code boundedMap} calls it.
 *
 * @param <T> the item type
 * @param <R> the result type
 */
@FunctionalInterface
public interface AsyncFunction<T, R> {

	/**
	 * Starts the work for {@code item}.
	 * @param item the item
	 * @return the stage completing with the result
	 * @throws Exception if the work cannot even start
	 */
	CompletionStage<R> apply(T item) throws Exception;

}
