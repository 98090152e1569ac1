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
	static final LuaScript ACQUIRE = new LuaScript("""
			if redis.replicate_commands then redis.replicate_commands() end
			local t = redis.call('TIME')
			local micros = tonumber(t[1]) * 1000000 + tonumber(t[2])
			local now = math.floor(micros / 1000)
			local stored = redis.call('GET', KEYS[2])
			if stored and stored ~= ARGV[1] then
			  return {-1, 0, 0, micros, stored}
			end
			redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
			local held = redis.call('ZCARD', KEYS[1])
			local granted = 0
			if held < tonumber(ARGV[2]) then
			  local lease = tonumber(ARGV[4])
			  redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
			  held = held + 1
			  granted = 1
			  if redis.call('PTTL', KEYS[1]) < lease then
			    redis.call('PEXPIRE', KEYS[1], lease)
			  end
			  if redis.call('PTTL', KEYS[2]) < lease then
			    redis.call('SET', KEYS[2], ARGV[1], 'PX', lease)
			  end
			end
			local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
			local earliest = 0
			if first[2] then
			  earliest = tonumber(first[2]) - now
			end
			return {granted, held, earliest, micros}
			""");

	/**
	 * KEYS: holders. ARGV: the permit's id, the channel. Removes the holder and, if it
	 * still held (its lease had not ended), publishes the holders left on the channel, so
	 * that the waiters of every instance try again. Replies {1 if it held else 0,
	 * holders, now}.
	 */
	static final LuaScript RELEASE = new LuaScript("""
			local t = redis.call('TIME')
			local removed = redis.call('ZREM', KEYS[1], ARGV[1])
			local held = redis.call('ZCARD', KEYS[1])
			if removed == 1 then
			  redis.call('PUBLISH', ARGV[2], held)
			end
			return {removed, held, tonumber(t[1]) * 1000000 + tonumber(t[2])}
			""");

	/**
	 * KEYS: holders, definition. ARGV: the lease in milliseconds, then the ids of the
	 * permits this instance holds. Extends the lease of each one still held from now
	 * ({@code ZADD XX}); one whose lease ended is dropped, not renewed, and named in the
	 * reply: {holders, now, lost ids...}.
	 */
	static final LuaScript RENEW = new LuaScript("""
			if redis.replicate_commands then redis.replicate_commands() end
			local t = redis.call('TIME')
			local micros = tonumber(t[1]) * 1000000 + tonumber(t[2])
			local now = math.floor(micros / 1000)
			local lease = tonumber(ARGV[1])
			redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
			local reply = {0, micros}
			for i = 2, #ARGV do
			  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
			    redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[i])
			  else
			    reply[#reply + 1] = ARGV[i]
			  end
			end
			reply[1] = redis.call('ZCARD', KEYS[1])
			if reply[1] > 0 and redis.call('PTTL', KEYS[1]) < lease then
			  redis.call('PEXPIRE', KEYS[1], lease)
			  if redis.call('PTTL', KEYS[2]) < lease then
			    redis.call('PEXPIRE', KEYS[2], lease)
			  end
			end
			return reply
			""");

	private HolderScripts() {
	}

}
