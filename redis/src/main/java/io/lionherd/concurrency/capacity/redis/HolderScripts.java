package io.lionherd.concurrency.capacity.redis;

import io.lionherd.concurrency.redis.internal.LuaScript;

/**
 * The scripts of a shared concurrency limit. Its holders are a sorted set (the limit's
 * key, {@code <prefix>{<name>}}) of permit ids scored by the end of their lease in
 * milliseconds on the server's clock ({@code TIME}, read by the script, so the instances'
 * clocks play no part); an entry whose lease ended counts for nobody and is dropped by
 * the next acquire. The definition ({@code total=<n>}) lives beside it ({@code ...:def})
 * and both expire with the longest lease. Every reply ends with the server's time in
 * microseconds (for the tests' replay of the holds). Written for Redis 6.2 and later
 * ({@code TIME} before writes needs effects replication, the default since 5).
 */
final class HolderScripts {

	/** After a limit's key, the key of its definition (the same hash tag). */
	static final String DEFINITION_SUFFIX = ":def";

	/** After a limit's key, the channel its releases are published on. */
	static final String CHANNEL_SUFFIX = ":released";

	/**
	 * KEYS: holders, definition. ARGV: this instance's definition, the total, the new
	 * permit's id, the lease in milliseconds. Replies {1, holders, ms until the earliest
	 * lease ends, now} when it granted (the new holder counted), {0, holders, ms until
	 * the earliest lease ends, now} when it refused, {-1, 0, 0, now, stored definition}
	 * when another instance defines the limit differently (nothing written).
	 */
	static final LuaScript ACQUIRE = LuaScript.resource(HolderScripts.class, "acquire.lua");

	/**
	 * KEYS: holders. ARGV: the permit's id, the channel. Removes the holder and, if it
	 * still held (its lease had not ended), publishes the holders left on the channel, so
	 * that the waiters of every instance try again. Replies {1 if it held else 0,
	 * holders, now}.
	 */
	static final LuaScript RELEASE = LuaScript.resource(HolderScripts.class, "release.lua");

	/**
	 * KEYS: holders, definition. ARGV: the lease in milliseconds, then the ids of the
	 * permits this instance holds. Extends the lease of each one still held from now
	 * ({@code ZADD XX}); one whose lease ended is dropped, not renewed, and named in the
	 * reply: {holders, now, lost ids...}.
	 */
	static final LuaScript RENEW = LuaScript.resource(HolderScripts.class, "renew.lua");

	private HolderScripts() {
	}

}
