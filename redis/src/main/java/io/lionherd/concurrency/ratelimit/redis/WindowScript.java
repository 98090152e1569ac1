package io.lionherd.concurrency.ratelimit.redis;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lionherd.concurrency.redis.internal.LuaScript;

/**
 * The rate limiter script ({@code sliding-window.lua}: every limit, weighted requests,
 * reservations), called by its SHA-1 and sent in full only when the server does not know
 * it (first use, a restart, {@code SCRIPT FLUSH}): {@code EVAL} both runs and caches it.
 */
final class WindowScript {

	/**
	 * Takes requests' charges back: removes each request's entry from every limit's log
	 * and its weight from that limit's sum (in the layout of {@code sliding-window.lua}).
	 * KEYS: the logs, then the sums. ARGV[1]: per limit, {@code 1} if it counts calls,
	 * else {@code 0}; then per request: its member without the weight ({@code token:i})
	 * and its permits. Returns how many requests it took back.
	 */
	static final String RELEASE = """
			local k = #KEYS - 1
			local sums = KEYS[k + 1]
			local removed = 0
			for r = 2, #ARGV - 1, 2 do
			  local any = false
			  for j = 1, k do
			    local weight = (string.sub(ARGV[1], j, j) == '1') and '1' or ARGV[r + 1]
			    if redis.call('ZREM', KEYS[j], ARGV[r] .. ':' .. weight) == 1 then
			      any = true
			      if redis.call('HEXISTS', sums, j) == 1 then
			        redis.call('HINCRBY', sums, j, -tonumber(weight))
			      end
			    end
			  end
			  if any then
			    removed = removed + 1
			  end
			end
			return removed
			""";

	/**
	 * After a limiter's key, the key of its definition (the same hash tag): see
	 * {@link RedisRateLimiter#definition()}.
	 */
	static final String DEFINITION_SUFFIX = ":def";

	/** After a limiter's key, the key of the hash of its limits' running sums. */
	static final String SUMS_SUFFIX = ":sums";

	private final LuaScript script;

	WindowScript(String text) {
		this.script = new LuaScript(text);
	}

	static WindowScript slidingWindow() {
		return new WindowScript(LuaScript.resource(WindowScript.class, "sliding-window.lua").text());
	}

	String text() {
		return this.script.text();
	}

	/**
	 * Runs the script: {@code EVALSHA}, then {@code EVAL} if the server lost it.
	 * @return the reply, as the script returns it
	 */
	CompletableFuture<List<Object>> run(RedisScriptingAsyncCommands<String, String> commands, String[] keys,
			String... args) {
		return this.script.run(commands, keys, args);
	}

}
