package io.lionherd.concurrency.autoconfigure.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Limits per client over HTTP: the rules of the rate-limit filter.
 *
 * <pre>{@code
 * lionherd.concurrency.http.rules[0].path=/api/per-client
 * lionherd.concurrency.http.rules[0].limiter=per-client
 * lionherd.concurrency.http.rules[0].key=header:X-Api-Key
 * }</pre>
 */
@ConfigurationProperties(LionherdHttpProperties.PREFIX)
public class LionherdHttpProperties {

	/** The prefix of these properties. */
	public static final String PREFIX = "lionherd.concurrency.http";

	/**
	 * The rate limits of HTTP requests, tried in order: the first rule whose path and
	 * methods match a request limits it; a request no rule matches is left untouched.
	 */
	private List<Rule> rules = new ArrayList<>();

	/**
	 * Order of the filter among the servlet filters. The default runs it just after
	 * Spring Security's filter chain (-100), so that "principal" keys see the
	 * authenticated user; a value below -100 runs it before Security (for "ip" and
	 * "header" keys only).
	 */
	private int filterOrder = RateLimitFilter.DEFAULT_ORDER;

	public List<Rule> getRules() {
		return this.rules;
	}

	public void setRules(List<Rule> rules) {
		this.rules = rules;
	}

	public int getFilterOrder() {
		return this.filterOrder;
	}

	public void setFilterOrder(int filterOrder) {
		this.filterOrder = filterOrder;
	}

	/**
	 * One rule: which requests, which limiter, which client key.
	 */
	public static class Rule {

		/**
		 * Path pattern of the requests this rule limits, in Spring's PathPattern syntax
		 * (e.g. "/api/**", "/orders/{id}"), matched against the path within the
		 * application (without the context path).
		 */
		private @Nullable String path;

		/**
		 * HTTP methods this rule limits (e.g. GET, POST), not case-sensitive. Empty:
		 * every method.
		 */
		private List<String> methods = new ArrayList<>();

		/**
		 * Name of the rate limiter (under lionherd.concurrency.rate-limiters) whose
		 * limits each client gets on its own.
		 */
		private @Nullable String limiter;

		/**
		 * Whose quota a request spends: "ip" (the client address as the server sees it,
		 * after server.forward-headers-strategy), "header:<Name>" (the value of that
		 * request header), "principal" (the authenticated user's name) or "none" (one
		 * quota shared by every client).
		 */
		private @Nullable String key;

		/**
		 * Permits each request takes, at least 1 and at most the max of each of the
		 * limiter's permits-limits.
		 */
		private long permits = 1;

		/**
		 * How long a request may wait for its permits before it is refused, without
		 * holding a request thread. Unset: refused at once when the quota is spent.
		 */
		private @Nullable Duration wait;

		public @Nullable String getPath() {
			return this.path;
		}

		public void setPath(@Nullable String path) {
			this.path = path;
		}

		public List<String> getMethods() {
			return this.methods;
		}

		public void setMethods(List<String> methods) {
			this.methods = methods;
		}

		public @Nullable String getLimiter() {
			return this.limiter;
		}

		public void setLimiter(@Nullable String limiter) {
			this.limiter = limiter;
		}

		public @Nullable String getKey() {
			return this.key;
		}

		public void setKey(@Nullable String key) {
			this.key = key;
		}

		public long getPermits() {
			return this.permits;
		}

		public void setPermits(long permits) {
			this.permits = permits;
		}

		public @Nullable Duration getWait() {
			return this.wait;
		}

		public void setWait(@Nullable Duration wait) {
			this.wait = wait;
		}

	}

}
