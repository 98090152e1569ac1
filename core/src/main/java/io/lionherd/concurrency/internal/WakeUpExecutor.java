package io.lionherd.concurrency.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where timer wake-ups (sleeps, rate-limiter grants and timeouts) complete their futures, and so
 * where the continuations attached to them run. Not the blocking executor of {@code runSync}: a
 * wake-up must not wait behind queued blocking work. On Java 21+ every wake-up gets a virtual
 * thread of its own, so a continuation that blocks delays no other wake-up. Before Java 21 a
 * JVM-wide pool of daemon threads, one per core and at least two, serves them: a cached pool
 * (a thread per wake-up) was measured to start 40+ threads and take 4x longer for 100 000
 * concurrent sleeps, so there a continuation should not block for long (hand such work to
 * {@code runSync}).
 */
public final class WakeUpExecutor {

	public static final String THREAD_NAME_PREFIX = "lionherd-wakeup-";

	private static final Executor SHARED = create();

	private WakeUpExecutor() {
	}

	public static Executor shared() {
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
			return daemonPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
		}
	}

	private static ThreadPoolExecutor daemonPool(int threads) {
		AtomicInteger count = new AtomicInteger();
		ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 10, TimeUnit.SECONDS,
				new LinkedBlockingQueue<>(), (runnable) -> {
					// No inherited thread locals and no context class loader: these threads are
					// shared by every application in the JVM and must not pin one of them.
					Thread thread = new Thread(null, runnable, THREAD_NAME_PREFIX + count.incrementAndGet(), 0, false);
					thread.setDaemon(true);
					thread.setContextClassLoader(null);
					return thread;
				});
		pool.allowCoreThreadTimeOut(true);
		return pool;
	}

}
