package io.lionherd.concurrency.internal;

import java.util.Map;

import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * Carries the submitting thread's context to the worker, as Spring Boot's
 * {@code ContextPropagatingTaskDecorator} does: the SLF4J MDC and the context class
 * loader always, and every Micrometer context-propagation accessor (observations,
 * tracing, security...) when that library is on the class path. Used wherever user code
 * runs on a thread other than its caller's: {@code runSync} workers, retry attempts
 * started by the timer's wake-up threads (which have no context class loader), and
 * rate-limited calls whose permit came later.
 */
public abstract class ContextCapture {

	private static final boolean CONTEXT_PROPAGATION_PRESENT = isPresent(
			"io.micrometer.context.ContextSnapshotFactory");

	/** Captures nothing: for instances built with context propagation off. */
	public static final ContextCapture NONE = new ContextCapture() {
		@Override
		public Snapshot capture() {
			return Snapshot.EMPTY;
		}
	};

	/**
	 * Takes the calling thread's context.
	 * @return what to put in place on the thread that runs the work
	 */
	public abstract Snapshot capture();

	/**
	 * Wraps {@code task} so that it runs in the calling thread's context as it is now,
	 * whatever thread runs it later; that thread's own context is put back afterwards.
	 * @param task the work to run later
	 * @return {@code task} in the current context
	 */
	public final Runnable inCurrentContext(Runnable task) {
		Snapshot context = capture();
		return () -> {
			try (Scope restored = context.restore()) {
				task.run();
			}
		};
	}

	/**
	 * The capture for this class path: MDC, plus Micrometer context-propagation if
	 * present.
	 * @return the capture
	 */
	public static ContextCapture detect() {
		return CONTEXT_PROPAGATION_PRESENT ? MicrometerCapture.global() : new MdcCapture();
	}

	private static boolean isPresent(String className) {
		try {
			Class.forName(className, false, ContextCapture.class.getClassLoader());
			return true;
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

	/** Context taken on the submitting thread, put in place on the worker. */
	public interface Snapshot {

		/** Puts nothing in place. */
		Snapshot EMPTY = () -> Scope.NOOP;

		/**
		 * Puts the captured context in place on the current thread.
		 * @return what puts the thread's own context back
		 */
		Scope restore();

	}

	/** Puts the worker's own context back. */
	public interface Scope extends AutoCloseable {

		/** Puts nothing back. */
		Scope NOOP = () -> {
		};

		@Override
		void close();

	}

	private static class MdcCapture extends ContextCapture {

		@Override
		public Snapshot capture() {
			Map<String, String> mdc = MDC.getCopyOfContextMap();
			ClassLoader loader = Thread.currentThread().getContextClassLoader();
			return () -> {
				Scope loaderScope = installLoader(loader);
				Scope mdcScope = installMdc(mdc);
				return () -> {
					mdcScope.close();
					loaderScope.close();
				};
			};
		}

		static Scope installLoader(@Nullable ClassLoader loader) {
			Thread thread = Thread.currentThread();
			ClassLoader previous = thread.getContextClassLoader();
			if (previous == loader) {
				return Scope.NOOP;
			}
			thread.setContextClassLoader(loader);
			return () -> thread.setContextClassLoader(previous);
		}

		static Scope installMdc(@Nullable Map<String, String> mdc) {
			Map<String, String> previous = MDC.getCopyOfContextMap();
			if (mdc == null) {
				MDC.clear();
			}
			else {
				MDC.setContextMap(mdc);
			}
			return () -> {
				if (previous == null) {
					MDC.clear();
				}
				else {
					MDC.setContextMap(previous);
				}
			};
		}

	}

	/**
	 * MDC plus Micrometer context-propagation. Only loaded when that library is present;
	 * tests give it a factory over a private {@code ContextRegistry}.
	 */
	public static final class MicrometerCapture extends ContextCapture {

		private final ContextSnapshotFactory factory;

		/**
		 * A capture over the registry of {@code factory}.
		 * @param factory makes the snapshots of the context-propagation values
		 */
		public MicrometerCapture(ContextSnapshotFactory factory) {
			this.factory = factory;
		}

		/**
		 * Over the global {@code ContextRegistry}, as Spring Boot's own propagation is.
		 */
		static MicrometerCapture global() {
			return new MicrometerCapture(ContextSnapshotFactory.builder().build());
		}

		@Override
		public Snapshot capture() {
			Map<String, String> mdc = MDC.getCopyOfContextMap();
			ClassLoader loader = Thread.currentThread().getContextClassLoader();
			ContextSnapshot snapshot = this.factory.captureAll();
			return () -> {
				// A context accessor is foreign code and may throw: the worker's MDC and
				// class loader go back whatever it does, or the caller's would stay on
				// the pool thread.
				Scope loaderScope = MdcCapture.installLoader(loader);
				Scope mdcScope = MdcCapture.installMdc(mdc);
				ContextSnapshot.Scope scope;
				try {
					scope = snapshot.setThreadLocals();
				}
				catch (RuntimeException | Error ex) {
					mdcScope.close();
					loaderScope.close();
					throw ex;
				}
				return () -> {
					try {
						scope.close();
					}
					finally {
						mdcScope.close();
						loaderScope.close();
					}
				};
			};
		}

	}

}
