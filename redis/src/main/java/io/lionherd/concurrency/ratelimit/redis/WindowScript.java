package io.lionherd.concurrency.ratelimit.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;

/**
 * The sliding-window script ({@code sliding-window.lua}), called by its SHA-1 and sent in
 * full only when the server does not know it (first use, a restart,
 * {@code SCRIPT FLUSH}): {@code EVAL} both runs and caches it.
 */
final class WindowScript {

	/**
	 * Hands permits back: removes the members of a grant nobody took (in chunks: Lua's
	 * {@code unpack} holds about 8000 values), and tells every instance that room freed
	 * (a message on {@link #WAKE_SUFFIX the limiter's channel}).
	 */
	static final String RELEASE = """
			local removed = 0
			for first = 1, #ARGV, 500 do
			  removed = removed + redis.call('ZREM', KEYS[1], unpack(ARGV, first, math.min(#ARGV, first + 499)))
			end
			if removed > 0 then
			  redis.call('PUBLISH', KEYS[1] .. ':wake', removed)
			end
			return removed
			""";

	/**
	 * After a limiter's key, the key of its definition (the same hash tag): see
	 * {@link #definition(int, long)}.
	 */
	static final String DEFINITION_SUFFIX = ":def";

	/**
	 * After a limiter's key, the pub/sub channel on which hand-backs announce freed room.
	 */
	static final String WAKE_SUFFIX = ":wake";

	private final String text;

	private final String sha;

	WindowScript(String text) {
		this.text = text;
		this.sha = sha1(text);
	}

	static WindowScript slidingWindow() {
		return new WindowScript(resource("sliding-window.lua"));
	}

	/**
	 * A limit's definition as stored beside its window: instances sharing a limiter must
	 * store the same one.
	 * @param maxCalls the most grants in a window
	 * @param periodMicros the window, in microseconds (as the script uses it)
	 * @return the definition, e.g. {@code maxCalls=5, period=PT1M}
	 */
	static String definition(int maxCalls, long periodMicros) {
		return "maxCalls=" + maxCalls + ", period=" + Duration.of(periodMicros, ChronoUnit.MICROS);
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
