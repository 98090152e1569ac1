package io.lionherd.concurrency.autoconfigure.web;

import java.time.Duration;

import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.LimitStatus;

/**
 * The fields of the IETF draft "RateLimit header fields for HTTP"
 * (draft-ietf-httpapi-ratelimit-headers-10), Structured Field Lists of one Item each:
 * {@code RateLimit-Policy: "per-client";q=5;w=10} and
 * {@code RateLimit: "per-client";r=4;t=10}, the policy named after the limiter.
 */
final class RateLimitHeaders {

	static final String POLICY = "RateLimit-Policy";

	static final String RATE_LIMIT = "RateLimit";

	private RateLimitHeaders() {
	}

	/**
	 * The quota policy of the tightest limit.
	 * @param policyName the policy item, an sf-string (see {@link #policyName})
	 * @param status the tightest limit
	 * @return the {@code RateLimit-Policy} value
	 */
	static String policy(String policyName, LimitStatus status) {
		return policy(policyName, status.limit());
	}

	/**
	 * The quota policy of one limit.
	 * @param policyName the policy item, an sf-string (see {@link #policyName})
	 * @param limit the limit
	 * @return the {@code RateLimit-Policy} value
	 */
	static String policy(String policyName, Limit limit) {
		return policyName + ";q=" + limit.max() + ";w=" + seconds(limit.period());
	}

	/**
	 * What is left of the tightest limit.
	 * @param policyName the policy item, an sf-string (see {@link #policyName})
	 * @param status the tightest limit
	 * @return the {@code RateLimit} value
	 */
	static String state(String policyName, LimitStatus status) {
		return policyName + ";r=" + status.remaining() + ";t=" + seconds(status.reset());
	}

	/**
	 * The limiter name as a Structured Field String (RFC 9651): quoted, with {@code "}
	 * and {@code \} escaped; a character outside printable ASCII, which an sf-string
	 * cannot hold, becomes {@code ?}.
	 * @param limiterName the name
	 * @return the quoted name
	 */
	static String policyName(String limiterName) {
		StringBuilder quoted = new StringBuilder(limiterName.length() + 2).append('"');
		for (int i = 0; i < limiterName.length(); i++) {
			char c = limiterName.charAt(i);
			if (c == '"' || c == '\\') {
				quoted.append('\\').append(c);
			}
			else {
				quoted.append((c >= 0x20 && c <= 0x7e) ? c : '?');
			}
		}
		return quoted.append('"').toString();
	}

	/**
	 * Whole seconds, rounded up: a client told to wait less than it must would be refused
	 * again.
	 * @param duration zero or positive
	 * @return the seconds
	 */
	static long seconds(Duration duration) {
		long seconds = duration.getSeconds();
		return (duration.getNano() > 0) ? seconds + 1 : seconds;
	}

}
