package io.lionherd.concurrency;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where timer wake-ups (sleeps, rate-limiter grants and timeouts) complete their futures, and so
 * where the continuations attached to them run. Not the blocking executor of {@code runSync}:
 * a wake-up must not wait behind queued blocking work, and a continuation that blocks must not
 * delay any other wake-up. So every wake-up gets a thread of its own when it needs one: a virtual
 * thread on Java 21+, otherwise a thread of a JVM-wide cached pool of daemon threads that end
 * after a few idle seconds.
 */
final class WakeUpExecutor {

	static final String THREAD_NAME_PREFIX = "lionherd-wakeup-";

	private static final Executor SHARED = create();

	private WakeUpExecutor() {
	}

	static Executor shared() {
		return SHARED;
	}

	private static Executor create() {
		try {
			return (ExecutorService) MethodHandles.publicLookup()
				.findStatic(Executors.class, "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class))
				.invoke();
		}
		catch (Throwable ex) {
			// Java 17-20: no virtual threads.
			return cachedDaemonPool();
		}
	}

	private static ThreadPoolExecutor cachedDaemonPool() {
		AtomicInteger count = new AtomicInteger();
		return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 5, TimeUnit.SECONDS, new SynchronousQueue<>(),
				(runnable) -> {
					// No inherited thread locals and no context class loader: these threads are
					// shared by every application in the JVM and must not pin one of them.
					Thread thread = new Thread(null, runnable, THREAD_NAME_PREFIX + count.incrementAndGet(), 0, false);
					thread.setDaemon(true);
					thread.setContextClassLoader(null);
					return thread;
				});
	}

}
