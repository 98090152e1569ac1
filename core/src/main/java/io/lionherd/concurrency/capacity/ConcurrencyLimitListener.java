package io.lionherd.concurrency.capacity;

/**
 * What the limits of a {@link ConcurrencyLimitRegistry} report: the events behind the
 * {@code lionherd.capacity.*} meters. Register one with
 * {@link ConcurrencyLimitRegistry#addListener(ConcurrencyLimitListener)}. Calls are
 * guarded: a listener that throws is logged and never fails a caller or strands a waiter.
 */
public interface ConcurrencyLimitListener {

	/**
	 * A limit joined the registry; also called, on registration, for every limit already
	 * in it.
	 * @param limit the limit
	 */
	default void added(ConcurrencyLimit limit) {
	}

	/**
	 * A permit was granted.
	 * @param limit the limit that granted it
	 * @param waitNanos how long the acquire waited; 0 for an immediate grant
	 */
	default void acquired(ConcurrencyLimit limit, long waitNanos) {
	}

	/**
	 * An acquire timed out (a zero timeout that found no free permit included).
	 * @param limit the limit that refused
	 */
	default void rejected(ConcurrencyLimit limit) {
	}

	/**
	 * A shared limit's backend could not decide (unreachable, timed out, an error reply);
	 * the limit then failed or allowed the acquires that asked, as it is configured to.
	 * @param limit the limit whose backend failed
	 * @param error the backend's failure
	 */
	default void backendError(ConcurrencyLimit limit, Throwable error) {
	}

	/**
	 * The listener that ignores everything.
	 * @return the no-op listener
	 */
	static ConcurrencyLimitListener none() {
		return NoConcurrencyLimitListener.INSTANCE;
	}

}

enum NoConcurrencyLimitListener implements ConcurrencyLimitListener {

	INSTANCE

}
