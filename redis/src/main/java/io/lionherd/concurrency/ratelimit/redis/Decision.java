package io.lionherd.concurrency.ratelimit.redis;

import java.util.List;

/**
 * One reply of the sliding-window script.
 *
 * @param serverMicros the server's {@code TIME} of the decision, in microseconds
 * @param granted how many permits were granted (members {@code token:1} to
 * {@code token:granted})
 * @param available how many permits could still be granted now
 * @param waitMicros when none is free any more, in how many microseconds the oldest grant
 * leaves the window; else 0
 * @param token the call's unique token
 */
record Decision(long serverMicros, int granted, int available, long waitMicros, String token) {

	/**
	 * @throws DefinitionMismatchException when the limiter's definition in Redis is
	 * another than the call's
	 */
	static Decision of(List<Object> reply, String token) {
		if (number(reply, 1) < 0 && reply.size() > 4) {
			throw new DefinitionMismatchException(String.valueOf(reply.get(4)));
		}
		return new Decision(number(reply, 0), (int) number(reply, 1), (int) Math.max(0, number(reply, 2)),
				Math.max(0, number(reply, 3)), token);
	}

	private static long number(List<Object> reply, int index) {
		Object value = reply.get(index);
		if (value instanceof Number number) {
			return number.longValue();
		}
		throw new IllegalStateException("Unexpected reply of the rate limiter script: " + reply);
	}

	/**
	 * Another instance defined the limiter differently: the script wrote nothing.
	 */
	static final class DefinitionMismatchException extends RuntimeException {

		/** The definition Redis holds. */
		final String stored;

		DefinitionMismatchException(String stored) {
			super("The rate limiter is defined as " + stored + " in Redis", null, false, false);
			this.stored = stored;
		}

	}

}
