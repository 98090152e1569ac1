package io.lionherd.concurrency.ratelimit.redis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.ratelimit.Limit;

/**
 * Where and how a limiter's limits live in Redis, as {@code sliding-window.lua} reads
 * them: one sorted set per limit (the first at the limiter's key, the others at
 * {@code key:1}, {@code key:2}...), the hash of their running sums ({@code key:sums}) and
 * the definition ({@code key:def}), all under the key's hash tag.
 * <p>
 * A named limiter's key is {@code prefix + "{" + name + "}"}; the limiter of one client
 * key under a name is at {@code prefix + "k{" + name + ":" + encoded key + "}"}
 * ({@link #keyedKey}). The character after the prefix ({@code {} or {@code k}) tells the
 * two apart whatever the name holds; the encoded key holds neither {@code :} nor {@code
 * }}, so the last {@code :} before the last {@code }} separates it from the name, and the
 * suffixes after the last {@code }} ({@code :1}, {@code :sums}...) hold no {@code }}: no
 * two (name, key) pairs, and no name, share a key.
 */
final class Layout {

	/** The longest encoded client key kept readable; longer ones are hashed. */
	static final int MAX_READABLE_KEY = 64;

	/** Starts a hashed client key: never the start of a readable one (it escapes it). */
	private static final char HASHED = '~';

	private static final char[] HEX = "0123456789ABCDEF".toCharArray();

	final String key;

	/** The limits' logs, the sums, the definition. */
	final String[] scriptKeys;

	/** The limits' logs, then the sums: the keys of {@link WindowScript#RELEASE}. */
	final String[] releaseKeys;

	/** Per limit: max, period in microseconds, 1 if it counts calls. */
	final String[] limitArgs;

	/** Per limit, {@code 1} if it counts calls, else {@code 0}. */
	final String callFlags;

	/** Every limit, as stored beside the logs: instances must agree on it. */
	final String definition;

	Layout(String key, List<Limit> limits) {
		int k = limits.size();
		this.limitArgs = new String[3 * k];
		StringBuilder flags = new StringBuilder();
		for (int j = 0; j < k; j++) {
			Limit limit = limits.get(j);
			this.limitArgs[3 * j] = Long.toString(limit.max());
			this.limitArgs[3 * j + 1] = Long.toString(periodMicros(limit));
			this.limitArgs[3 * j + 2] = limit.countsCalls() ? "1" : "0";
			flags.append(limit.countsCalls() ? '1' : '0');
		}
		this.callFlags = flags.toString();
		this.definition = definition(limits);
		this.key = key;
		this.scriptKeys = scriptKeys(key, k);
		this.releaseKeys = Arrays.copyOf(this.scriptKeys, k + 1);
	}

	/** The same limits at another key, sharing this layout's arguments. */
	private Layout(Layout limits, String key) {
		this.limitArgs = limits.limitArgs;
		this.callFlags = limits.callFlags;
		this.definition = limits.definition;
		this.key = key;
		this.scriptKeys = scriptKeys(key, limits.limitArgs.length / 3);
		this.releaseKeys = Arrays.copyOf(this.scriptKeys, this.scriptKeys.length - 1);
	}

	private static String[] scriptKeys(String key, int k) {
		String[] keys = new String[k + 2];
		for (int j = 0; j < k; j++) {
			keys[j] = (j == 0) ? key : key + ":" + j;
		}
		keys[k] = key + WindowScript.SUMS_SUFFIX;
		keys[k + 1] = key + WindowScript.DEFINITION_SUFFIX;
		return keys;
	}

	/**
	 * These limits at another key: for the limiters of one name's client keys, which
	 * share the strings of the arguments.
	 */
	Layout at(String key) {
		return new Layout(this, key);
	}

	/** The key of a named limiter's first log: the name is the hash tag. */
	static String namedKey(String prefix, String name) {
		return prefix + "{" + name + "}";
	}

	/**
	 * The key of the first log of one client key's limiter under a name: its hash tag is
	 * the name and the encoded key, so Redis Cluster spreads the keys of one name over
	 * the slots and keeps each key's set on one.
	 */
	static String keyedKey(String prefix, String name, String key) {
		return prefix + "k{" + name + ":" + encode(key) + "}";
	}

	/**
	 * A client key as it appears in Redis keys, one-to-one: every character outside
	 * {@code [A-Za-z0-9._-]} percent-encoded in UTF-8 ({@code %XX} per byte; an unpaired
	 * surrogate, which UTF-8 cannot encode, as {@code %uXXXX}), so it holds no {@code {},
	 * {@code }} or {@code :}; when that is longer than {@value #MAX_READABLE_KEY}
	 * characters, {@code ~} and the SHA-256 of the key's UTF-16 code units in base64url
	 * instead (43 characters), which a readable form never starts with ({@code ~} is
	 * escaped).
	 */
	static String encode(String key) {
		StringBuilder encoded = new StringBuilder(Math.min(key.length(), MAX_READABLE_KEY + 1));
		for (int i = 0; i < key.length() && encoded.length() <= MAX_READABLE_KEY;) {
			int c = key.codePointAt(i);
			i += Character.charCount(c);
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
					|| c == '-') {
				encoded.append((char) c);
			}
			else if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
				encoded.append("%u")
					.append(HEX[(c >> 12) & 0xF])
					.append(HEX[(c >> 8) & 0xF])
					.append(HEX[(c >> 4) & 0xF])
					.append(HEX[c & 0xF]);
			}
			else {
				for (byte b : new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8)) {
					encoded.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
				}
			}
		}
		if (encoded.length() <= MAX_READABLE_KEY) {
			return encoded.toString();
		}
		ByteBuffer units = ByteBuffer.allocate(2 * key.length());
		units.asCharBuffer().put(key);
		return HASHED + Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(units.array()));
	}

	private static byte[] sha256(byte[] bytes) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(bytes);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A limiter's definition as stored beside its logs, e.g.
	 * {@code limits=[500 calls per PT1M, 200000 permits per PT1M]}: every limit, in
	 * order, with the period the script uses (whole microseconds).
	 */
	static String definition(List<Limit> limits) {
		return limits.stream()
			.map((limit) -> limit.max() + (limit.countsCalls() ? " calls" : " permits") + " per "
					+ Duration.of(periodMicros(limit), ChronoUnit.MICROS))
			.collect(Collectors.joining(", ", "limits=[", "]"));
	}

	static long periodMicros(Limit limit) {
		return Math.max(1, Checks.saturatedNanos(limit.period()) / 1000);
	}

	/** The sorted set of limit {@code index} (in the configuration's order). */
	String logKey(int index) {
		return this.scriptKeys[index];
	}

}
