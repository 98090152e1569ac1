package io.lionherd.concurrency.redis.internal;

import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisLoadingException;

/**
 * How the Redis backends read a failed call: an outage, or an error reply of a server
 * that is there.
 */
public final class RedisReplies {

	private RedisReplies() {
	}

	/**
	 * Whether Redis answered with an error reply: it is there but refuses the call (a
	 * wrong type at the key, out of memory, a command the user may not run, a script
	 * error), which retrying does not change, unlike an outage. Replies that say the
	 * server cannot serve for now (loading its data, busy with a long script, a failover
	 * or resharding under way) count as an outage.
	 * @param error the call's failure
	 * @return whether it is an error reply
	 */
	public static boolean isErrorReply(Throwable error) {
		if (!(error instanceof RedisCommandExecutionException) || error instanceof RedisBusyException
				|| error instanceof RedisLoadingException) {
			return false;
		}
		String code = errorCode(error);
		return !(code.equals("LOADING") || code.equals("BUSY") || code.equals("MASTERDOWN")
				|| code.equals("CLUSTERDOWN") || code.equals("TRYAGAIN") || code.equals("READONLY"));
	}

	/**
	 * The first word of an error reply: its code ({@code WRONGTYPE}, {@code ERR}...).
	 * @param error the call's failure
	 * @return its code
	 */
	public static String errorCode(Throwable error) {
		String message = String.valueOf(error.getMessage());
		int end = message.indexOf(' ');
		return (end < 0) ? message : message.substring(0, end);
	}

}
