package io.lionherd.concurrency.ratelimit.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;

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

	private final String text;

	private final String sha;

	WindowScript(String text) {
		this.text = text;
		this.sha = sha1(text);
	}

	static WindowScript slidingWindow() {
		return new WindowScript(resource("sliding-window.lua"));
	}

	String text() {
		return this.text;
	}

	/**
	 * Runs the script: {@code EVALSHA}, then {@code EVAL} if the server lost it.
	 * @return the reply, as the script returns it
	 */
	CompletableFuture<List<Object>> run(RedisScriptingAsyncCommands<String, String> commands, String[] keys,
			String... args) {
		CompletableFuture<List<Object>> result = new CompletableFuture<>();
		commands.<List<Object>>evalsha(this.sha, ScriptOutputType.MULTI, keys, args).whenComplete((reply, error) -> {
			if (error == null) {
				result.complete(reply);
			}
			else if (isNoScript(error)) {
				commands.<List<Object>>eval(this.text, ScriptOutputType.MULTI, keys, args)
					.whenComplete((retried, again) -> {
						if (again == null) {
							result.complete(retried);
						}
						else {
							result.completeExceptionally(again);
						}
					});
			}
			else {
				result.completeExceptionally(error);
			}
		});
		return result;
	}

	private static boolean isNoScript(Throwable error) {
		return error instanceof RedisNoScriptException
				|| (error.getMessage() != null && error.getMessage().startsWith("NOSCRIPT"));
	}

	private static String resource(String name) {
		try (InputStream in = WindowScript.class.getResourceAsStream(name)) {
			if (in == null) {
				throw new IllegalStateException("Missing resource " + name);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String sha1(String text) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
