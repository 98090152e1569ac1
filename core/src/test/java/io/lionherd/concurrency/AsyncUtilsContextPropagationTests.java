package io.lionherd.concurrency;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.micrometer.context.ContextRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests that {@link AsyncUtils#runSync} carries the caller's SLF4J MDC and Micrometer
 * context-propagation thread locals to the worker, and puts the worker's own back
 * afterwards.
 * <p>
 * A single-thread pool makes every task run on the same worker, so what a task leaves
 * behind is visible to the next one.
 */
class AsyncUtilsContextPropagationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final String ACCESSOR_KEY = AsyncUtilsContextPropagationTests.class.getName() + ".tenant";

	private static final ThreadLocal<String> TENANT = new ThreadLocal<>();

	private final ExecutorService worker = Executors.newSingleThreadExecutor();

	private AsyncUtils asyncUtils;

	@BeforeEach
	void setUp() {
		ContextRegistry.getInstance()
			.registerThreadLocalAccessor(ACCESSOR_KEY, TENANT::get, TENANT::set, TENANT::remove);
		this.asyncUtils = AsyncUtils.builder().executor(this.worker).build();
		MDC.clear();
		TENANT.remove();
	}

	@AfterEach
	void tearDown() throws InterruptedException {
		ContextRegistry.getInstance().removeThreadLocalAccessor(ACCESSOR_KEY);
		MDC.clear();
		TENANT.remove();
		this.worker.shutdownNow();
		assertThat(this.worker.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
	}

	// --- SLF4J MDC

	@Test
	void callersMdcIsVisibleInsideTask() {
		MDC.put("requestId", "r-1");
		assertThat(this.asyncUtils.runSync(() -> MDC.get("requestId"))).succeedsWithin(WAIT).isEqualTo("r-1");
	}

	@Test
	void callersMdcIsVisibleInsideMonitoredTask() {
		MDC.put("requestId", "r-2");
		assertThat(this.asyncUtils.monitor("mdc", () -> MDC.get("requestId"))).succeedsWithin(WAIT)
			.extracting(MonitorResult::result)
			.isEqualTo("r-2");
	}

	@Test
	void workersMdcIsClearedAfterTask() {
		MDC.put("requestId", "r-1");
		assertThat(this.asyncUtils.runSync(() -> MDC.get("requestId"))).succeedsWithin(WAIT).isEqualTo("r-1");
		assertThat(onWorkerDirectly(MDC::getCopyOfContextMap)).satisfiesAnyOf((mdc) -> assertThat(mdc).isNull(),
				(mdc) -> assertThat(mdc).isEmpty());
	}

	@Test
	void workersOwnMdcIsRestoredAfterTask() {
		onWorkerDirectly(() -> {
			MDC.put("worker", "w");
			return null;
		});
		MDC.put("requestId", "r-1");
		assertThat(this.asyncUtils.runSync(MDC::getCopyOfContextMap)).succeedsWithin(WAIT)
			.isEqualTo(Map.of("requestId", "r-1"));
		assertThat(onWorkerDirectly(MDC::getCopyOfContextMap)).isEqualTo(Map.of("worker", "w"));
	}

	@Test
	void taskFromCallerWithEmptyMdcSeesNoLeftoverEntries() {
		MDC.put("requestId", "r-1");
		assertThat(this.asyncUtils.runSync(() -> MDC.get("requestId"))).succeedsWithin(WAIT).isEqualTo("r-1");
		MDC.clear();
		CompletableFuture<Map<String, String>> next = this.asyncUtils.runSync(MDC::getCopyOfContextMap);
		assertThat(next).succeedsWithin(WAIT)
			.satisfiesAnyOf((mdc) -> assertThat(mdc).isNull(), (mdc) -> assertThat(mdc).isEmpty());
	}

	@Test
	void taskFromCallerWithEmptyMdcDoesNotSeeWorkersOwnMdc() {
		onWorkerDirectly(() -> {
			MDC.put("worker", "w");
			return null;
		});
		assertThat(this.asyncUtils.runSync(() -> MDC.get("worker"))).succeedsWithin(WAIT).isNull();
	}

	@Test
	void mdcPutInsideTaskDoesNotLeakToNextTask() {
		assertThat(this.asyncUtils.runSync(() -> {
			MDC.put("leak", "x");
			return MDC.get("leak");
		})).succeedsWithin(WAIT).isEqualTo("x");
		assertThat(this.asyncUtils.runSync(() -> MDC.get("leak"))).succeedsWithin(WAIT).isNull();
	}

	@Test
	void mdcIsNotCarriedWhenPropagationIsOff() {
		AsyncUtils plain = AsyncUtils.builder().executor(this.worker).propagateContext(false).build();
		MDC.put("requestId", "r-1");
		assertThat(plain.runSync(() -> MDC.get("requestId"))).succeedsWithin(WAIT).isNull();
	}

	// --- Micrometer context-propagation

	@Test
	void callersThreadLocalIsVisibleInsideTask() {
		TENANT.set("caller-tenant");
		assertThat(this.asyncUtils.runSync(TENANT::get)).succeedsWithin(WAIT).isEqualTo("caller-tenant");
	}

	@Test
	void workersOwnThreadLocalIsRestoredAfterTask() {
		onWorkerDirectly(() -> {
			TENANT.set("worker-tenant");
			return null;
		});
		TENANT.set("caller-tenant");
		assertThat(this.asyncUtils.runSync(TENANT::get)).succeedsWithin(WAIT).isEqualTo("caller-tenant");
		assertThat(onWorkerDirectly(TENANT::get)).isEqualTo("worker-tenant");
	}

	@Test
	void workersThreadLocalIsResetAfterTaskWhenItHadNone() {
		TENANT.set("caller-tenant");
		assertThat(this.asyncUtils.runSync(TENANT::get)).succeedsWithin(WAIT).isEqualTo("caller-tenant");
		assertThat(onWorkerDirectly(TENANT::get)).isNull();
	}

	@Test
	void threadLocalIsNotCarriedWhenPropagationIsOff() {
		AsyncUtils plain = AsyncUtils.builder().executor(this.worker).propagateContext(false).build();
		TENANT.set("caller-tenant");
		assertThat(plain.runSync(TENANT::get)).succeedsWithin(WAIT).isNull();
	}

	// --- SLF4J MDC without Micrometer context-propagation on the class path

	@Test
	void withoutContextPropagationLibraryCallersMdcIsVisibleInsideTask() throws Exception {
		Object mdcOnly = asyncUtilsWithoutContextPropagation();
		MDC.put("requestId", "r-1");
		assertThat(runSync(mdcOnly, () -> MDC.get("requestId"))).succeedsWithin(WAIT).isEqualTo("r-1");
	}

	@Test
	void withoutContextPropagationLibraryMdcPutInsideTaskDoesNotLeakToNextTask() throws Exception {
		Object mdcOnly = asyncUtilsWithoutContextPropagation();
		assertThat(runSync(mdcOnly, () -> {
			MDC.put("leak", "x");
			return MDC.get("leak");
		})).succeedsWithin(WAIT).isEqualTo("x");
		assertThat(runSync(mdcOnly, () -> MDC.get("leak"))).succeedsWithin(WAIT).isNull();
	}

	/**
	 * An {@code AsyncUtils} from a copy of the library loaded where
	 * {@code io.micrometer.context} is missing, as in an application without that
	 * optional dependency. SLF4J (and so the MDC) is shared with this test.
	 */
	private Object asyncUtilsWithoutContextPropagation() throws Exception {
		ClassLoader loader = new WithoutContextPropagationClassLoader(getClass().getClassLoader());
		assertThat(loader.loadClass(AsyncUtils.class.getName())).isNotSameAs(AsyncUtils.class);
		assertThatExceptionOfType(ClassNotFoundException.class)
			.isThrownBy(() -> loader.loadClass("io.micrometer.context.ContextSnapshotFactory"));
		Class<?> type = loader.loadClass(AsyncUtils.class.getName());
		Object builder = type.getMethod("builder").invoke(null);
		builder.getClass().getMethod("executor", Executor.class).invoke(builder, this.worker);
		return builder.getClass().getMethod("build").invoke(builder);
	}

	@SuppressWarnings("unchecked")
	private static <T> CompletableFuture<T> runSync(Object asyncUtils, Callable<T> task) throws Exception {
		return (CompletableFuture<T>) asyncUtils.getClass()
			.getMethod("runSync", Callable.class)
			.invoke(asyncUtils, task);
	}

	/**
	 * Runs on the worker thread without going through {@code runSync}, so nothing is
	 * propagated.
	 */
	private <T> T onWorkerDirectly(Callable<T> task) {
		try {
			return this.worker.submit(task).get(WAIT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Defines its own copy of the library's main classes and hides Micrometer
	 * context-propagation; everything else comes from the parent.
	 */
	static final class WithoutContextPropagationClassLoader extends ClassLoader {

		WithoutContextPropagationClassLoader(ClassLoader parent) {
			super(parent);
		}

		@Override
		protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
			if (name.startsWith("io.micrometer.context.")) {
				throw new ClassNotFoundException(name);
			}
			if (!name.startsWith("io.lionherd.concurrency.")) {
				return super.loadClass(name, resolve);
			}
			synchronized (getClassLoadingLock(name)) {
				Class<?> loaded = findLoadedClass(name);
				if (loaded == null) {
					try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
						if (in == null) {
							throw new ClassNotFoundException(name);
						}
						byte[] bytes = in.readAllBytes();
						loaded = defineClass(name, bytes, 0, bytes.length);
					}
					catch (IOException ex) {
						throw new ClassNotFoundException(name, ex);
					}
				}
				if (resolve) {
					resolveClass(loaded);
				}
				return loaded;
			}
		}

	}

}
