package io.lionherd.concurrency;

/**
 * Where {@link AsyncUtils} reports how each named {@code retry} ended. Kept free of
 * Micrometer so the library runs without it;
 * {@code io.lionherd.concurrency.micrometer.MicrometerRetryRecorder} counts
 * {@code lionherd.retry.calls}.
 */
@FunctionalInterface
public interface RetryRecorder {

	/**
	 * Records one named retry that ended (a cancelled one is not recorded).
	 * @param name the retry's name
	 * @param kind how it ended
	 */
	void record(String name, Kind kind);

	/**
	 * A recorder that records nothing.
	 * @return the no-op recorder
	 */
	static RetryRecorder none() {
		return (name, kind) -> {
		};
	}

	/**
	 * How a retry ended; the {@code kind} tag values are Resilience4j's.
	 */
	enum Kind {

		/** The first attempt succeeded. */
		SUCCESSFUL_WITHOUT_RETRY("successful_without_retry"),

		/** A later attempt succeeded. */
		SUCCESSFUL_WITH_RETRY("successful_with_retry"),

		/** It failed after more than one attempt. */
		FAILED_WITH_RETRY("failed_with_retry"),

		/**
		 * The first attempt failed with a failure not retried, or the only one allowed.
		 */
		FAILED_WITHOUT_RETRY("failed_without_retry");

		private final String tagValue;

		Kind(String tagValue) {
			this.tagValue = tagValue;
		}

		/**
		 * The metric tag value.
		 * @return e.g. {@code successful_without_retry}
		 */
		public String tagValue() {
			return this.tagValue;
		}

	}

}
