package io.lionherd.concurrency.ratelimit.redis;

import java.util.List;

/**
 * One reply of the rate limiter script, for a batch of requests.
 *
 * @param serverMicros the server's {@code TIME} of the decision, in microseconds
 * @param available what a request could still take now
 * @param tightest after the decision, the index (from 0) of the tightest limit: the
 * smallest share of its max left, the first on a tie
 * @param remaining what is left of it (0 while a reservation lies ahead)
 * @param resetMicros in how many microseconds the oldest entry of its log leaves its
 * window, 0 when the log is empty
 * @param token the call's unique token: request {@code i} (from 0) is charged as
 * {@code token:(i+1):weight}
 * @param charged per request, whether it was charged (granted now or reserved)
 * @param waitMicros per request: when charged, in how many microseconds its instant comes
 * (0: granted now); when refused, in how many it could have been granted, or -1 when the
 * script did not compute it (a try)
 */
record Decision(long serverMicros, long available, int tightest, long remaining, long resetMicros, String token,
		boolean[] charged, long[] waitMicros) {

	/** The values of a reply besides the requests'. */
	static final int FIXED = 6;

	/**
	 * @throws DefinitionMismatchException when the limiter's definition in Redis is
	 * another than the call's
	 */
	static Decision of(List<Object> reply, String token, int requests) {
		if (number(reply, 1) < 0 && reply.size() > 3) {
			throw new DefinitionMismatchException(String.valueOf(reply.get(3)));
		}
		if (reply.size() != FIXED + 2 * requests) {
			throw new IllegalStateException("Unexpected reply of the rate limiter script: " + reply);
		}
		boolean[] charged = new boolean[requests];
		long[] waits = new long[requests];
		for (int i = 0; i < requests; i++) {
			charged[i] = number(reply, 3 + 2 * i) == 1;
			waits[i] = number(reply, 4 + 2 * i);
		}
		int status = 3 + 2 * requests;
		return new Decision(number(reply, 0), Math.max(0, number(reply, 2)), (int) number(reply, status) - 1,
				Math.max(0, number(reply, status + 1)), Math.max(0, number(reply, status + 2)), token, charged, waits);
	}

	/** The member of request {@code index} without its weight. */
	String base(int index) {
		return this.token + ":" + (index + 1);
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
