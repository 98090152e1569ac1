package io.lionherd.concurrency.internal;

import io.lionherd.concurrency.AsyncUtils;
import java.time.Duration;

/**
 * Sleeps once through the shared timer, so that a fresh copy of the library (loaded by the
 * parent of this probe's throwaway loader) starts its timer thread, and its wake-up threads,
 * with this class on the stack. Loaded again in throwaway class loaders by tests.
 */
public class SharedDelaySchedulerLeakProbe implements Runnable {

	@Override
	public void run() {
		AsyncUtils.create(Runnable::run).sleep(Duration.ofMillis(1)).join();
	}

}
