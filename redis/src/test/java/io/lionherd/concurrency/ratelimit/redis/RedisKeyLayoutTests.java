package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.lettuce.core.cluster.SlotHash;
import io.lionherd.concurrency.ratelimit.Limit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the Redis keys of named limiters and of client keys' limiters
 * ({@link Layout}).
 */
class RedisKeyLayoutTests {

	private static final String PREFIX = "lionherd:ratelimiter:";

	private static final List<Limit> TWO_LIMITS = List.of(Limit.calls(10, Duration.ofSeconds(1)),
			Limit.permits(100, Duration.ofMinutes(1)));

	static final List<String> HOSTILE = List.of("{", "}", "{a}", "{alice}:1", "a:1", ":", " ", "a b", "a}b{c", "%7B",
			"%257B", "~", "~abc", "*", "\u00e9", "e\u0301", "\u4e2d\u6587", "\ud83d\ude00", "\ud83d", "\ude00", "?",
			"\u0000", "a\u0000b", "k{", "def", ":def", "}:def", "x".repeat(64), "x".repeat(65), "x".repeat(10_000),
			"\ud83d\ude00".repeat(5_000), "{".repeat(10_000));

	@Test
	void aShortKeyIsPercentEncodedInUtf8OutsideLettersDigitsDotUnderscoreAndDash() {
		assertThat(Layout.encode("{alice}:1")).isEqualTo("%7Balice%7D%3A1");
		assertThat(Layout.encode("A-z_0.9")).isEqualTo("A-z_0.9");
		assertThat(Layout.encode("\u00e9 \ud83d\ude00")).isEqualTo("%C3%A9%20%F0%9F%98%80");
		assertThat(Layout.encode("~%")).isEqualTo("%7E%25");
	}

	@Test
	void anUnpairedSurrogateIsEncodedApartFromTheCharacterUtf8WouldReplaceItWith() {
		assertThat(Layout.encode("\ud83d")).isEqualTo("%uD83D");
		assertThat(Layout.encode("?")).isEqualTo("%3F");
	}

	@Test
	void aKeyWhoseEncodingIsLongerThan64CharactersIsHashedUnderAPrefixNoEncodingStartsWith() {
		assertThat(Layout.encode("x".repeat(64))).isEqualTo("x".repeat(64));
		String hashed = Layout.encode("x".repeat(65));
		assertThat(hashed).startsWith("~").hasSize(44).matches("~[A-Za-z0-9_-]{43}");
		assertThat(Layout.encode("x".repeat(10_000))).startsWith("~").hasSize(44).isNotEqualTo(hashed);
		assertThat(Layout.encode(hashed)).startsWith("%7E");
	}

	@Test
	void theKeyedKeyHasItsOwnHashTagAfterThePrefix() {
		assertThat(Layout.keyedKey(PREFIX, "per-user", "{alice}:1"))
			.isEqualTo("lionherd:ratelimiter:k{per-user:%7Balice%7D%3A1}");
		assertThat(Layout.namedKey(PREFIX, "per-user")).isEqualTo("lionherd:ratelimiter:{per-user}");
	}

	@Test
	void hostileKeysNamesAndTheirCombinationsNeverShareARedisKey() {
		List<String> names = List.of("per-user", "per-user:a", "per-user:%7B", "a}b", "{x}", "k", "per-user:~");
		Set<String> seen = new HashSet<>();
		List<String> all = new ArrayList<>();
		Layout template = new Layout(PREFIX + "template", TWO_LIMITS);
		for (String name : names) {
			all.addAll(List.of(new Layout(Layout.namedKey(PREFIX, name), TWO_LIMITS).scriptKeys));
			for (String key : HOSTILE) {
				all.addAll(List.of(template.at(Layout.keyedKey(PREFIX, name, key)).scriptKeys));
			}
			// A name that ends the way another name and a key begin.
			all.addAll(List.of(template.at(Layout.keyedKey(PREFIX, name, "a:b")).scriptKeys));
			all.addAll(List.of(template.at(Layout.keyedKey(PREFIX, name + ":a", "b")).scriptKeys));
		}
		for (String key : all) {
			assertThat(seen.add(key)).as("unique Redis key %s", key).isTrue();
		}
		assertThat(seen).hasSize(names.size() * (HOSTILE.size() + 3) * 4);
	}

	@Test
	void everyKeyOfOneClientKeySharesOneSlotAndTheirSlotsSpreadOverTheCluster() {
		Layout template = new Layout(PREFIX + "template", TWO_LIMITS);
		Set<Integer> slots = new HashSet<>();
		for (String key : HOSTILE) {
			String[] keys = template.at(Layout.keyedKey(PREFIX, "per-user", key)).scriptKeys;
			int slot = SlotHash.getSlot(keys[0]);
			for (String each : keys) {
				assertThat(SlotHash.getSlot(each)).as("slot of %s", each).isEqualTo(slot);
			}
			slots.add(slot);
		}
		assertThat(slots).hasSizeGreaterThan(HOSTILE.size() / 2);
	}

}
