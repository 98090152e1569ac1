package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.ratelimit.Limit;

/**
 * Where and how a limiter's limits live in Redis, as {@code sliding-window.lua} reads
 * them: one sorted set per limit (the first at the limiter's key, the others at
 * {@code key:1}, {@code key:2}...), the hash of their running sums ({@code key:sums}) and
 * the definition ({@code key:def}), all under the key's hash tag.
 */
final class Layout {

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
		this.key = key;
		int k = limits.size();
		this.scriptKeys = new String[k + 2];
		this.limitArgs = new String[3 * k];
		StringBuilder flags = new StringBuilder();
		for (int j = 0; j < k; j++) {
			Limit limit = limits.get(j);
			this.scriptKeys[j] = (j == 0) ? key : key + ":" + j;
			this.limitArgs[3 * j] = Long.toString(limit.max());
			this.limitArgs[3 * j + 1] = Long.toString(periodMicros(limit));
			this.limitArgs[3 * j + 2] = limit.countsCalls() ? "1" : "0";
			flags.append(limit.countsCalls() ? '1' : '0');
		}
		this.scriptKeys[k] = key + WindowScript.SUMS_SUFFIX;
		this.scriptKeys[k + 1] = key + WindowScript.DEFINITION_SUFFIX;
		this.releaseKeys = Arrays.copyOf(this.scriptKeys, k + 1);
		this.callFlags = flags.toString();
		this.definition = definition(limits);
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
