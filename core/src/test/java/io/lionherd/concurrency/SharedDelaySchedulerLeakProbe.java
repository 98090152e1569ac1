package io.lionherd.concurrency;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.internal.WakeUpExecutor;

/**
 * Sleeps once through the shared timer, so that a fresh copy of the library (loaded by
 * the parent of this probe's throwaway loader) starts its timer thread, and its wake-up
 * threads, with this class on the stack. Loaded again in throwaway class loaders by
 * tests.
 */
public class SharedDelaySchedulerLeakProbe implements Runnable {

	@Override
	public void run() {
		// The timer and wake-up executor of the
		// library's fresh copy, as a sleep uses them.
		CompletableFuture<Void> woken = new CompletableFuture<>();
		DelayScheduler.shared().schedule(WakeUpExecutor.shared(), () -> woken.complete(null), 1, TimeUnit.MILLISECONDS);
		woken.join();
	}

}
