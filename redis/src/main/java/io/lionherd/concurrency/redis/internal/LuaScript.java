package io.lionherd.concurrency.redis.internal;

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
 * A Lua script called by its SHA-1 and sent in full only when the server does not know it
 * (first use, a restart, {@code SCRIPT FLUSH}): {@code EVAL} both runs and caches it. So
 * a call is one round trip, but for the first after the server lost the script.
 */
public final class LuaScript {

	private final String text;

	private final String sha;

	public LuaScript(String text) {
		this.text = text;
		this.sha = sha1(text);
	}

	/**
	 * The script in a resource beside {@code owner}.
	 * @param owner the class whose package holds it
	 * @param name its file name
	 * @return the script
	 */
	public static LuaScript resource(Class<?> owner, String name) {
		try (InputStream in = owner.getResourceAsStream(name)) {
			if (in == null) {
				throw new IllegalStateException("Missing resource " + name + " beside " + owner.getName());
			}
			return new LuaScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public String text() {
		return this.text;
	}

	public String sha() {
		return this.sha;
	}

	/**
	 * Runs the script: {@code EVALSHA}, then {@code EVAL} if the server lost it.
	 * @return the reply, as the script returns it (a list)
	 */
	public CompletableFuture<List<Object>> run(RedisScriptingAsyncCommands<String, String> commands, String[] keys,
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
