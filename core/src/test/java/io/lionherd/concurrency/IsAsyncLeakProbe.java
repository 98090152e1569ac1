package io.lionherd.concurrency;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A small async callable that tests load again in throwaway class loaders.
 */
public class IsAsyncLeakProbe implements AsyncCallable<String> {

	@Override
	public CompletionStage<String> call() {
		return CompletableFuture.completedFuture("probe");
	}

}
