package io.lionherd.concurrency;

import java.util.concurrent.CompletionStage;

/**
 * A task that starts asynchronous work and returns a stage completing with its result:
 * the Java counterpart of a Python {@code async def}.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface AsyncCallable<T> {

	/**
	 * Starts the work.
	 * @return a stage that completes with the result
	 * @throws Exception if the work cannot be started
	 */
	CompletionStage<T> call() throws Exception;

}
