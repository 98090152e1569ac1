package io.lionherd.concurrency.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Hands one task to the given wake-up executor from its own class loader, so that the
 * executor starts its first thread with this class (and its throwaway loader) on the
 * stack; answers the thread that ran the task. Loaded again in throwaway class loaders by
 * tests.
 */
public class WakeUpExecutorLeakProbe implements Function<Executor, Thread> {

	@Override
	public Thread apply(Executor wakeUpExecutor) {
		CompletableFuture<Thread> ran = new CompletableFuture<>();
		wakeUpExecutor.execute(() -> ran.complete(Thread.currentThread()));
		return ran.join();
	}

}
