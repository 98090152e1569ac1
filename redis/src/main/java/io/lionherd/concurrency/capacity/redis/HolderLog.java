package io.lionherd.concurrency.capacity.redis;

/**
 * Tests: sees every hold as the server decided it, on the server's clock.
 */
interface HolderLog {

	HolderLog NONE = new HolderLog() {
	};

	/**
	 * A permit was granted to a caller (it may yet be released at once if nobody takes
	 * it).
	 */
	default void granted(String limit, String id, long serverMicros) {
	}

	/** A permit was released; {@code held} is false if its lease had ended before. */
	default void released(String limit, String id, long serverMicros, boolean held) {
	}

}
