package io.lionherd.concurrency;

import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.internal.WakeUpExecutor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the JVM-wide timer ({@link SharedDelayScheduler}).
 */
class SharedDelaySchedulerTests {

	/**
	 * The packages of the library copy: the timer here, the wake-up threads in internal.
	 */
	private static final List<String> PACKAGES = List.of(SharedDelayScheduler.class.getPackageName() + ".",
			WakeUpExecutor.class.getPackageName() + ".");

	/**
	 * The timer is a JVM-wide singleton, long since started in this JVM: so a fresh copy
	 * of the library is loaded (standing for the library in a container's shared loader),
	 * and the probe that first uses it is loaded by a child of that (standing for a web
	 * application). Only the probe's loader must go away; the library's may stay, its
	 * threads run its code. On JDK 24+ a thread captures no access control context, so
	 * this passes there with or without the fix; it is JDK 17-23 that it guards.
	 */
	@Test
	void timerAndWakeUpThreadsDoNotPinTheClassLoaderOfTheirFirstCaller() throws Exception {
		ClassLoader library = new IsolatingClassLoader(getClass().getClassLoader(),
				(name) -> isOfTheLibrary(name) && !name.equals(SharedDelaySchedulerLeakProbe.class.getName()));
		try {
			WeakReference<ClassLoader> application = sleepFromThrowawayLoader(library);
			await("the probe's throwaway class loader to be collected").atMost(Duration.ofSeconds(20))
				.pollInterval(Duration.ofMillis(200))
				.until(() -> {
					System.gc();
					return application.get() == null;
				});
			assertThat(timer(library).getPoolSize()).as("the fresh timer thread is still running").isOne();
		}
		finally {
			ScheduledThreadPoolExecutor timer = timer(library);
			Thread timerThread = timer.submit(Thread::currentThread).get(30, TimeUnit.SECONDS);
			timer.shutdownNow();
			Method shared = library.loadClass(WakeUpExecutor.class.getName()).getDeclaredMethod("shared");
			shared.setAccessible(true);
			((ExecutorService) shared.invoke(null)).shutdownNow();
			// The fresh timer's thread bears the shared timer's name: it ends here, so
			// no later test of this JVM counts it as a second timer thread.
			timerThread.join(Duration.ofSeconds(30).toMillis());
			assertThat(timerThread.isAlive()).as("the fresh timer thread ended").isFalse();
		}
	}

	@Test
	void cancelledEntriesLeaveTheSharedTimerAtOnce() throws Exception {
		ScheduledThreadPoolExecutor shared = timer(getClass().getClassLoader());
		int before = shared.getQueue().size();
		List<Future<?>> entries = new ArrayList<>();
		for (int i = 0; i < 1_000; i++) {
			entries.add(SharedDelayScheduler.INSTANCE.schedule(Runnable::run, () -> {
			}, 1, TimeUnit.HOURS));
		}
		assertThat(shared.getQueue().size()).isGreaterThanOrEqualTo(before + 1_000);
		entries.forEach((entry) -> entry.cancel(false));
		// Other tests of this JVM may add or drain
		// their own entries meanwhile, never 1 000.
		assertThat(shared.getQueue().size()).isLessThan(before + 1_000);
		assertThat(shared.getRemoveOnCancelPolicy()).isTrue();
	}

	/**
	 * Everything strong stays in this frame, so the caller holds only the weak reference.
	 */
	private WeakReference<ClassLoader> sleepFromThrowawayLoader(ClassLoader library) throws Exception {
		ClassLoader application = new IsolatingClassLoader(library, SharedDelaySchedulerLeakProbe.class.getName());
		Runnable probe = (Runnable) IsolatingClassLoader.newInstance(application,
				SharedDelaySchedulerLeakProbe.class.getName());
		assertThat(probe.getClass().getClassLoader()).isSameAs(application);
		assertThat(timer(library).getPoolSize()).as("timer threads of the fresh copy before the probe").isZero();
		probe.run();
		assertThat(timer(library).getPoolSize()).as("timer threads of the fresh copy after the probe").isOne();
		return new WeakReference<>(application);
	}

	private static ScheduledThreadPoolExecutor timer(ClassLoader library) throws Exception {
		Field instance = library.loadClass(SharedDelayScheduler.class.getName() + "$Timer")
			.getDeclaredField("INSTANCE");
		instance.setAccessible(true);
		return (ScheduledThreadPoolExecutor) instance.get(null);
	}

	/**
	 * Whether the class is of the timer's or the wake-up threads' package (not of a
	 * subpackage): the library copy the probe runs against.
	 */
	private static boolean isOfTheLibrary(String className) {
		return PACKAGES.stream()
			.anyMatch((prefix) -> className.startsWith(prefix) && className.indexOf('.', prefix.length()) < 0);
	}

}
