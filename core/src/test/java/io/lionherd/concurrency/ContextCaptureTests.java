package io.lionherd.concurrency;

import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.internal.ContextCapture;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.ThreadLocalAccessor;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that {@link ContextCapture}'s Micrometer capture puts the worker's MDC back even
 * when a context-propagation accessor throws while the caller's context is installed or
 * removed.
 * <p>
 * The accessors live in a private {@link ContextRegistry}, so the global one other tests
 * use is untouched. A single-thread pool makes every task run on the same worker, so what
 * a task leaves behind is visible to the next one.
 */
class ContextCaptureTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final ThreadLocal<String> TENANT = new ThreadLocal<>();

	private final ExecutorService worker = Executors.newSingleThreadExecutor();

	@BeforeEach
	void clearCallersContext() {
		MDC.clear();
		TENANT.remove();
	}

	@AfterEach
	void tearDown() throws InterruptedException {
		MDC.clear();
		TENANT.remove();
		this.worker.shutdownNow();
		assertThat(this.worker.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void accessorThrowingWhileInstallingLeavesTheWorkersOwnMdc() {
		ContextCapture capture = captureWith(new TenantAccessor(true, false));
		giveTheWorkerItsOwnMdc();
		MDC.put("requestId", "r-1");
		TENANT.set("caller-tenant");
		CompletableFuture<String> task = runOnWorker(capture, () -> "ran");
		assertThat(task).failsWithin(WAIT)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(IllegalStateException.class)
			.withMessageContaining("setValue failed");
		assertThat(onWorkerDirectly(MDC::getCopyOfContextMap)).isEqualTo(Map.of("worker", "w"));
	}

	@Test
	void accessorThrowingWhileRestoringLeavesTheWorkersOwnMdc() {
		ContextCapture capture = captureWith(new TenantAccessor(false, true));
		giveTheWorkerItsOwnMdc();
		MDC.put("requestId", "r-1");
		TENANT.set("caller-tenant");
		CompletableFuture<String> task = runOnWorker(capture, () -> MDC.get("requestId") + "/" + TENANT.get());
		assertThat(task).failsWithin(WAIT)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(IllegalStateException.class)
			.withMessageContaining("restore failed");
		assertThat(onWorkerDirectly(MDC::getCopyOfContextMap)).isEqualTo(Map.of("worker", "w"));
	}

	@Test
	void privateRegistryCarriesItsAccessorsToTheWorker() {
		ContextCapture capture = captureWith(new TenantAccessor(false, false));
		MDC.put("requestId", "r-1");
		TENANT.set("caller-tenant");
		CompletableFuture<String> task = runOnWorker(capture, () -> MDC.get("requestId") + "/" + TENANT.get());
		assertThat(task).succeedsWithin(WAIT).isEqualTo("r-1/caller-tenant");
		assertThat(onWorkerDirectly(TENANT::get)).isNull();
	}

	@Test
	void callersClassLoaderIsTheTasksAndTheWorkersOwnComesBack() {
		ClassLoader workers = onWorkerDirectly(() -> Thread.currentThread().getContextClassLoader());
		ClassLoader callers = new URLClassLoader(new URL[0], getClass().getClassLoader());
		ClassLoader tests = Thread.currentThread().getContextClassLoader();
		CompletableFuture<ClassLoader> task;
		Thread.currentThread().setContextClassLoader(callers);
		try {
			task = runOnWorker(ContextCapture.detect(), () -> Thread.currentThread().getContextClassLoader());
		}
		finally {
			Thread.currentThread().setContextClassLoader(tests);
		}
		assertThat(task).succeedsWithin(WAIT).isSameAs(callers);
		assertThat(onWorkerDirectly(() -> Thread.currentThread().getContextClassLoader())).isSameAs(workers);
	}

	@Test
	void accessorThrowingWhileInstallingLeavesTheWorkersOwnClassLoader() {
		ClassLoader workers = onWorkerDirectly(() -> Thread.currentThread().getContextClassLoader());
		ContextCapture capture = captureWith(new TenantAccessor(true, false));
		ClassLoader tests = Thread.currentThread().getContextClassLoader();
		CompletableFuture<String> task;
		Thread.currentThread().setContextClassLoader(new URLClassLoader(new URL[0], getClass().getClassLoader()));
		try {
			TENANT.set("caller-tenant");
			task = runOnWorker(capture, () -> "ran");
		}
		finally {
			Thread.currentThread().setContextClassLoader(tests);
		}
		assertThat(task).failsWithin(WAIT).withThrowableOfType(ExecutionException.class);
		assertThat(onWorkerDirectly(() -> Thread.currentThread().getContextClassLoader())).isSameAs(workers);
	}

	@Test
	void withCurrentContextRunsTheTaskLaterInTheCallersContext() {
		AsyncUtils asyncUtils = AsyncUtils.create(this.worker);
		ClassLoader callers = new URLClassLoader(new URL[0], getClass().getClassLoader());
		ClassLoader tests = Thread.currentThread().getContextClassLoader();
		CompletableFuture<String> seen = new CompletableFuture<>();
		Runnable task;
		MDC.put("requestId", "r-1");
		Thread.currentThread().setContextClassLoader(callers);
		try {
			task = asyncUtils.withCurrentContext(() -> seen
				.complete(MDC.get("requestId") + "/" + (Thread.currentThread().getContextClassLoader() == callers)));
		}
		finally {
			MDC.clear();
			Thread.currentThread().setContextClassLoader(tests);
		}
		giveTheWorkerItsOwnMdc();
		onWorkerDirectly(Executors.callable(task));
		assertThat(seen).isCompletedWithValue("r-1/true");
		assertThat(onWorkerDirectly(MDC::getCopyOfContextMap)).isEqualTo(Map.of("worker", "w"));
	}

	private static ContextCapture captureWith(ThreadLocalAccessor<?> accessor) {
		ContextRegistry registry = new ContextRegistry();
		registry.registerThreadLocalAccessor(accessor);
		return new ContextCapture.MicrometerCapture(ContextSnapshotFactory.builder().contextRegistry(registry).build());
	}

	/** Captures on the calling thread, runs on the worker, as {@code runSync} does. */
	private <T> CompletableFuture<T> runOnWorker(ContextCapture capture, Callable<T> task) {
		TaskFuture<T> future = new TaskFuture<>(this.worker, task, capture.capture());
		future.submit();
		return future;
	}

	private void giveTheWorkerItsOwnMdc() {
		onWorkerDirectly(() -> {
			MDC.put("worker", "w");
			return null;
		});
	}

	/** Runs on the worker thread without any capture, so nothing is propagated. */
	private <T> T onWorkerDirectly(Callable<T> task) {
		try {
			return this.worker.submit(task).get(WAIT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The {@link #TENANT} thread local, failing to set or to restore it when told to. */
	private static final class TenantAccessor implements ThreadLocalAccessor<String> {

		private final boolean failSet;

		private final boolean failRestore;

		TenantAccessor(boolean failSet, boolean failRestore) {
			this.failSet = failSet;
			this.failRestore = failRestore;
		}

		@Override
		public Object key() {
			return ContextCaptureTests.class.getName() + ".tenant";
		}

		@Override
		public @Nullable String getValue() {
			return TENANT.get();
		}

		@Override
		public void setValue(String value) {
			if (this.failSet) {
				throw new IllegalStateException("setValue failed");
			}
			TENANT.set(value);
		}

		@Override
		public void setValue() {
			TENANT.remove();
		}

		@Override
		public void restore(String previousValue) {
			if (this.failRestore) {
				throw new IllegalStateException("restore failed");
			}
			TENANT.set(previousValue);
		}

		@Override
		public void restore() {
			if (this.failRestore) {
				throw new IllegalStateException("restore failed");
			}
			TENANT.remove();
		}

	}

}
