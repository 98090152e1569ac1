package io.lionherd.concurrency.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.AccessController;
import java.security.PrivilegedAction;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import io.lionherd.concurrency.DelayScheduler;

/**
 * Where timer wake-ups (sleeps, rate-limiter grants and timeouts) complete their futures,
 * and so where the continuations attached to them run. Not the blocking executor of
 * {@code runSync}: a wake-up must not wait behind queued blocking work. On Java 21+ every
 * wake-up gets a virtual thread of its own, so a continuation that blocks delays no other
 * wake-up. Before Java 21 a JVM-wide {@link DaemonPool} serves them: one thread per core
 * (at least two) while wake-ups keep flowing, and more, up to {@value #MAX_THREADS},
 * while continuations hold every thread (see there why).
 */
public final class WakeUpExecutor {

	public static final String THREAD_NAME_PREFIX = "lionherd-wakeup-";

	/** The most threads the Java 17-20 pool starts while its continuations block. */
	static final int MAX_THREADS = 256;

	/** How long the pool's threads stay when idle. */
	static final Duration KEEP_ALIVE = Duration.ofSeconds(10);

	/**
	 * How long the Java 17-20 pool may go without finishing any queued wake-up before it
	 * grows.
	 */
	static final Duration STALL_CHECK = Duration.ofMillis(50);

	private static final Executor SHARED = create();

	private WakeUpExecutor() {
	}

	public static Executor shared() {
		return SHARED;
	}

	private static Executor create() {
		try {
			return (ExecutorService) MethodHandles.publicLookup()
				.findStatic(Executors.class, "newVirtualThreadPerTaskExecutor",
						MethodType.methodType(ExecutorService.class))
				.invoke();
		}
		catch (Throwable ex) {
			// Java 17-20: no virtual threads.
			return daemonPool();
		}
	}

	/**
	 * The Java 17-20 pool as the shared executor is built; package-private so tests can
	 * build it on any JDK.
	 * @return a new pool
	 */
	static DaemonPool daemonPool() {
		return new DaemonPool(Math.max(2, Runtime.getRuntime().availableProcessors()), MAX_THREADS, KEEP_ALIVE,
				STALL_CHECK, DelayScheduler.shared());
	}

	/**
	 * A factory for threads that are shared by every application in the JVM and so must
	 * pin none of them: a daemon, no inherited thread locals, no context class loader,
	 * and, on Java 17-23, no access control context of the caller. A {@code Thread}
	 * created there captures the protection domains of every frame on its creator's stack
	 * (and so their class loaders), and whoever first sleeps or waits on a limiter
	 * creates these threads: a web application's code, which would then never be
	 * collected after a redeploy. Inside {@code doPrivileged} the capture stops at this
	 * class, as Netty and Tomcat create their shared threads.
	 * @param name the name of each new thread, given a sequence number from 1
	 * @return the factory
	 */
	static ThreadFactory daemonThreads(IntFunction<String> name) {
		AtomicInteger count = new AtomicInteger();
		return (runnable) -> newDaemonThread(runnable, name.apply(count.incrementAndGet()));
	}

	// doPrivileged is deprecated for removal with the security manager, but on Java 17-23
	// it is still the only way to keep a new thread from capturing its creator's class
	// loaders; on later Java it just runs the action.
	@SuppressWarnings("removal")
	public static Thread newDaemonThread(Runnable runnable, String name) {
		return AccessController.doPrivileged((PrivilegedAction<Thread>) () -> {
			Thread thread = new Thread(null, runnable, name, 0, false);
			thread.setDaemon(true);
			thread.setContextClassLoader(null);
			return thread;
		});
	}

	/**
	 * The Java 17-20 wake-up pool: a fixed number of threads over a queue, plus
	 * compensation threads while continuations keep every thread busy.
	 * <p>
	 * Why this shape: a cached pool (a thread per concurrent wake-up) was measured to
	 * start 40+ threads and take 4x longer for 100 000 concurrent sleeps, so the base
	 * stays one thread per core over a queue. But continuations are user code and may
	 * block (the README's own {@code limiter.acquire().thenRun(blockingCall)}); with only
	 * the base threads, that many blocked continuations anywhere in the JVM would stop
	 * every sleep, grant and timeout. {@code ForkJoinPool}'s compensation needs the
	 * blocking code to announce itself ({@code ManagedBlocker}), which user code does
	 * not, so blocking is inferred instead: a watchdog on the shared timer thread checks
	 * the pool every {@code stallCheck} while work is queued, and if no task finished
	 * since its last check though work stayed queued, every thread is held by a slow
	 * continuation, and it starts more threads. Each check that finds the pool stalled
	 * doubles the threads it added (one first), so n blocked continuations are overcome
	 * after about log2(n) checks, at most twice as many threads as were needed, and never
	 * more than {@code maxThreads} in all. The check costs nothing per wake-up (a
	 * volatile read when work arrives) and so leaves the 100 000-sleep figures as they
	 * were; it runs only while work is queued. Once the queue is empty the pool goes back
	 * to its base size, and every thread, base or added, ends after {@code keepAlive}
	 * without work.
	 */
	static final class DaemonPool extends ThreadPoolExecutor {

		private final int baseThreads;

		private final int maxThreads;

		private final long stallCheckNanos;

		private final DelayScheduler scheduler;

		/** Whether a check is scheduled or running; set by whoever schedules one. */
		private final AtomicBoolean watching = new AtomicBoolean();

		/**
		 * Tasks finished at the last check that found work queued, or -1 when the last
		 * check found none. Only the check touches it, and checks never overlap.
		 */
		private long finishedAtLastCheck = -1;

		/**
		 * Creates a pool.
		 * @param baseThreads the threads kept while wake-ups keep flowing, one or more
		 * @param maxThreads the most threads, base ones included
		 * @param keepAlive how long an idle thread stays
		 * @param stallCheck how long the pool may finish nothing while work is queued
		 * before it starts more threads
		 * @param scheduler the timer that runs the check (on its own thread: the check
		 * only looks at the pool)
		 */
		DaemonPool(int baseThreads, int maxThreads, Duration keepAlive, Duration stallCheck, DelayScheduler scheduler) {
			super(Checks.positive(baseThreads, "baseThreads"), checkMax(maxThreads, baseThreads),
					Checks.notNull(keepAlive, "keepAlive").toNanos(), TimeUnit.NANOSECONDS, new LinkedBlockingQueue<>(),
					daemonThreads((sequence) -> THREAD_NAME_PREFIX + sequence));
			this.baseThreads = baseThreads;
			this.maxThreads = maxThreads;
			this.stallCheckNanos = Checks.notNull(stallCheck, "stallCheck").toNanos();
			this.scheduler = Checks.notNull(scheduler, "scheduler");
			allowCoreThreadTimeOut(true);
		}

		private static int checkMax(int maxThreads, int baseThreads) {
			if (maxThreads < baseThreads) {
				throw new IllegalArgumentException(
						"maxThreads must be at least baseThreads (" + baseThreads + "), but was " + maxThreads);
			}
			return maxThreads;
		}

		@Override
		public void execute(Runnable command) {
			super.execute(command);
			if (!this.watching.get() && this.watching.compareAndSet(false, true)) {
				scheduleCheck();
			}
		}

		private void scheduleCheck() {
			try {
				this.scheduler.schedule(Runnable::run, this::check, this.stallCheckNanos, TimeUnit.NANOSECONDS);
			}
			catch (RejectedExecutionException ex) {
				// The timer is shut down (only ever in tests): nothing will check, so let
				// the next execute try again rather than believe a check is pending.
				this.watching.set(false);
			}
		}

		private void check() {
			if (getQueue().isEmpty()) {
				this.finishedAtLastCheck = -1;
				if (getCorePoolSize() != this.baseThreads) {
					// Extra threads still running finish
					// their task, then time out when idle.
					setCorePoolSize(this.baseThreads);
				}
				this.watching.set(false);
				// A task queued after the isEmpty above may have seen watching still set
				// and scheduled nothing: look again now that it is clear.
				if (getQueue().isEmpty() || !this.watching.compareAndSet(false, true)) {
					return;
				}
			}
			else {
				long finished = getCompletedTaskCount();
				if (finished == this.finishedAtLastCheck) {
					grow();
				}
				this.finishedAtLastCheck = finished;
			}
			scheduleCheck();
		}

		private void grow() {
			int threads = getPoolSize();
			int added = Math.max(1, threads - this.baseThreads);
			int target = (int) Math.min(this.maxThreads, (long) threads + added);
			if (target > getCorePoolSize()) {
				// Starts threads for queued tasks, up to the new core size.
				setCorePoolSize(target);
			}
			while (getPoolSize() < target && !getQueue().isEmpty() && prestartCoreThread()) {
				// A thread that ended after a failed task
				// leaves the pool below its core size.
			}
		}

	}

}
