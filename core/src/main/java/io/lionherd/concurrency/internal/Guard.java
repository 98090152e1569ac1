package io.lionherd.concurrency.internal;

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
			failed(what, subject, ex);
		}
	}

	/**
	 * Logs at WARN the failure of a callback a hot path guards with its own
	 * {@code try}/{@code catch} (no lambda to allocate per call).
	 * @param what what the callback is, for the log
	 * @param subject what it was called for, for the log
	 * @param ex what it threw
	 */
	public static void failed(String what, Object subject, Throwable ex) {
		logger.warn("A {} failed for {}; ignored", what, subject, ex);
	}

}
