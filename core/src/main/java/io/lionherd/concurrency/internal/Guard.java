package io.lionherd.concurrency.internal;

import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a callback the library does not own (a listener, a meter registry, a recorder) so
 * that its failure is logged and goes no further: a broken callback must never fail a
 * caller or strand a waiter.
 */
public final class Guard {

	private static final Logger logger = LoggerFactory.getLogger(Guard.class);

	private Guard() {
	}

	/**
	 * Runs {@code callback}, logging at WARN what it throws.
	 * @param callback the callback
	 * @param what what the callback is, for the log ("rate limiter listener")
	 * @param subject what it was called for, for the log
	 */
	public static void run(Runnable callback, String what, Object subject) {
		try {
			callback.run();
		}
		catch (RuntimeException | LinkageError ex) {
			logger.warn("A {} failed for {}; ignored", what, subject, ex);
		}
	}

	/**
	 * Calls {@code callback}, logging at WARN what it throws.
	 * @param callback the callback
	 * @param what what the callback is, for the log ("monitor recorder")
	 * @param subject what it was called for, for the log
	 * @param <T> the result type
	 * @return what the callback returned, or {@code null} if it failed
	 */
	public static <T> @Nullable T call(Supplier<? extends @Nullable T> callback, String what, Object subject) {
		try {
			return callback.get();
		}
		catch (RuntimeException | LinkageError ex) {
			logger.warn("A {} failed for {}; ignored", what, subject, ex);
			return null;
		}
	}

}
