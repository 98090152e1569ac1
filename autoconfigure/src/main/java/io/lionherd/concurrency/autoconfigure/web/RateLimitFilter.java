package io.lionherd.concurrency.autoconfigure.web;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lionherd.concurrency.Stages;
import io.lionherd.concurrency.ratelimit.LimitStatus;
import io.lionherd.concurrency.ratelimit.PermitTimeoutException;
import io.lionherd.concurrency.ratelimit.RateLimitExceededException;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterBackendException;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Applies the rules of {@link LionherdHttpProperties} to servlet requests: the first rule
 * whose path and methods match asks its rate limiter, for the request's client key, for
 * its permits. Granted: the RateLimit fields are set and the request goes on. Refused:
 * {@code 429 Too Many Requests} as {@code application/problem+json}, with
 * {@code Retry-After} and the RateLimit fields. A request no rule matches is left
 * untouched.
 * <p>
 * A rule with a {@code wait} lets the request wait for its permits without holding a
 * request thread: the request goes asynchronous and is dispatched again once granted; a
 * client that goes away while waiting gives up its place and is charged nothing. The
 * request after the grant reaches the rest of the chain as the {@code REQUEST} dispatch
 * it would have been without waiting; the filter decides once per request and never on an
 * error dispatch.
 */
public final class RateLimitFilter extends OncePerRequestFilter implements Ordered {

	/**
	 * The default order: just after Spring Security's filter chain (Spring Boot's
	 * {@code SecurityFilterProperties.DEFAULT_FILTER_ORDER}, -100), so that a
	 * {@code principal} key sees the authenticated user.
	 */
	public static final int DEFAULT_ORDER = -100 + 1;

	private static final Log logger = LogFactory.getLog(RateLimitFilter.class);

	/** Set while a granted request waits for its dispatch after an async wait. */
	private static final String GRANTED_ATTRIBUTE = RateLimitFilter.class.getName() + ".GRANTED";

	private static final String ALREADY_FILTERED_ATTRIBUTE = RateLimitFilter.class.getName() + ALREADY_FILTERED_SUFFIX;

	private final RateLimiterRegistry registry;

	private final List<HttpRule> rules;

	private final int order;

	/**
	 * A filter of {@code properties}' rules over the limiters of {@code registry}.
	 * @param registry the rate limiters
	 * @param properties the rules and the order
	 * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException
	 * if a rule is invalid: its path is not a path pattern, its limiter unknown, its key
	 * none of the allowed forms, its permits more than the limiter could grant
	 */
	public RateLimitFilter(RateLimiterRegistry registry, LionherdHttpProperties properties) {
		this.registry = registry;
		List<HttpRule> rules = new ArrayList<>();
		for (int i = 0; i < properties.getRules().size(); i++) {
			rules.add(HttpRule.of(properties.getRules().get(i), i, registry));
		}
		this.rules = List.copyOf(rules);
		this.order = properties.getFilterOrder();
	}

	@Override
	public int getOrder() {
		return this.order;
	}

	/** A constant: the default concatenates the filter's name on every request. */
	@Override
	protected String getAlreadyFilteredAttributeName() {
		return ALREADY_FILTERED_ATTRIBUTE;
	}

	/** The dispatch after an async wait comes back here, to go on down the chain. */
	@Override
	protected boolean shouldNotFilterAsyncDispatch() {
		return false;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (request.getDispatcherType() == DispatcherType.ASYNC) {
			// Either the dispatch of a request granted after waiting, or one of an async
			// handler's own dispatches, already decided: never charged again.
			if (request.getAttribute(GRANTED_ATTRIBUTE) != null) {
				request.removeAttribute(GRANTED_ATTRIBUTE);
				chain.doFilter(new GrantedRequest(request), response);
			}
			else {
				chain.doFilter(request, response);
			}
			return;
		}
		HttpRule rule = match(request);
		if (rule == null) {
			chain.doFilter(request, response);
			return;
		}
		RateLimiter limiter;
		try {
			String key = rule.key().resolve(request);
			limiter = (key != null) ? this.registry.get(rule.limiter(), key) : this.registry.get(rule.limiter());
		}
		catch (ClientKey.MissingKeyException ex) {
			missingKey(request, response, rule);
			return;
		}
		catch (RateLimitExceededException ex) {
			refused(request, response, rule, null, ex.retryAfter());
			return;
		}
		CompletableFuture<Void> permit;
		try {
			// Not tryAcquire for a rule without wait: acquire with a zero wait refuses at
			// once as well, and its refusal says when the request could have been
			// granted.
			permit = limiter.acquire(rule.permits(), rule.maxWait());
		}
		catch (RateLimiterBackendException ex) {
			backendFailed(request, response, rule, ex);
			return;
		}
		if (permit.isDone()) {
			Throwable failure = failure(permit);
			if (failure == null) {
				writeRateLimit(response, rule, limiter);
				chain.doFilter(request, response);
			}
			else {
				answerFailure(request, response, rule, limiter, failure);
			}
			return;
		}
		waitAsync(request, response, rule, limiter, permit);
	}

	private @Nullable HttpRule match(HttpServletRequest request) {
		String uri = request.getRequestURI();
		String contextPath = request.getContextPath();
		PathContainer path = (contextPath.isEmpty()) ? PathContainer.parsePath(uri)
				: RequestPath.parse(uri, contextPath).pathWithinApplication();
		String method = request.getMethod();
		for (HttpRule rule : this.rules) {
			if (rule.matches(method, path)) {
				return rule;
			}
		}
		return null;
	}

	/**
	 * Releases the request thread until the permit is decided; the decision then either
	 * dispatches the request again or answers it, unless the client went away first.
	 */
	private void waitAsync(HttpServletRequest request, HttpServletResponse response, HttpRule rule, RateLimiter limiter,
			CompletableFuture<Void> permit) {
		AsyncContext async = request.startAsync(request, response);
		// The limiter gives up at rule.maxWait(); the container must not give up before
		// it.
		long atLeast = rule.maxWait().plusSeconds(5).toMillis();
		if (async.getTimeout() > 0 && async.getTimeout() < atLeast) {
			async.setTimeout(atLeast);
		}
		AtomicBoolean decided = new AtomicBoolean();
		async.addListener(new AsyncListener() {

			@Override
			public void onComplete(AsyncEvent event) {
			}

			@Override
			public void onTimeout(AsyncEvent event) throws IOException {
				if (decided.compareAndSet(false, true)) {
					permit.cancel(false);
					HttpServletResponse timedOut = (HttpServletResponse) event.getSuppliedResponse();
					Problems.write(request, timedOut, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Service Unavailable",
							"Rate limiter '" + rule.limiter() + "' did not decide in time", "limiter", rule.limiter());
					event.getAsyncContext().complete();
				}
			}

			@Override
			public void onError(AsyncEvent event) {
				// The client went away: give up the place in the queue, charging nothing.
				if (decided.compareAndSet(false, true)) {
					permit.cancel(false);
					event.getAsyncContext().complete();
				}
			}

			@Override
			public void onStartAsync(AsyncEvent event) {
			}

		});
		permit.whenComplete((granted, error) -> {
			if (!decided.compareAndSet(false, true)) {
				return;
			}
			try {
				if (error == null) {
					writeRateLimit(response, rule, limiter);
					request.setAttribute(GRANTED_ATTRIBUTE, Boolean.TRUE);
					async.dispatch();
				}
				else {
					answerFailure(request, response, rule, limiter, Stages.unwrap(error));
					async.complete();
				}
			}
			catch (IOException | RuntimeException ex) {
				logger.debug("Could not answer a request after waiting for rate limiter '" + rule.limiter() + "'", ex);
				async.complete();
			}
		});
	}

	private static @Nullable Throwable failure(CompletableFuture<Void> permit) {
		try {
			permit.join();
			return null;
		}
		catch (CancellationException ex) {
			return ex;
		}
		catch (RuntimeException ex) {
			return Stages.unwrap(ex);
		}
	}

	private void answerFailure(HttpServletRequest request, HttpServletResponse response, HttpRule rule,
			RateLimiter limiter, Throwable failure) throws IOException {
		if (failure instanceof PermitTimeoutException timeout) {
			refused(request, response, rule, limiter, timeout.retryAfter());
		}
		else if (failure instanceof RateLimitExceededException exceeded) {
			refused(request, response, rule, limiter, exceeded.retryAfter());
		}
		else if (failure instanceof TimeoutException) {
			refused(request, response, rule, limiter, Optional.empty());
		}
		else if (failure instanceof RateLimiterBackendException backend) {
			backendFailed(request, response, rule, backend);
		}
		else if (failure instanceof RuntimeException runtime) {
			throw runtime;
		}
		else if (failure instanceof Error error) {
			throw error;
		}
		else {
			throw new IllegalStateException(failure);
		}
	}

	private void refused(HttpServletRequest request, HttpServletResponse response, HttpRule rule,
			@Nullable RateLimiter limiter, Optional<Duration> retryAfter) throws IOException {
		if (limiter != null) {
			writeRateLimit(response, rule, limiter);
		}
		String detail = "Rate limit of '" + rule.limiter() + "' exceeded";
		if (retryAfter.isPresent()) {
			long seconds = RateLimitHeaders.seconds(retryAfter.get());
			response.setHeader("Retry-After", Long.toString(seconds));
			detail += "; retry after " + seconds + " s";
		}
		Problems.write(request, response, 429, "Too Many Requests", detail, "limiter", rule.limiter());
	}

	private void missingKey(HttpServletRequest request, HttpServletResponse response, HttpRule rule)
			throws IOException {
		ClientKey key = rule.key();
		if (key.kind() == ClientKey.Kind.HEADER) {
			Problems.write(request, response, HttpServletResponse.SC_BAD_REQUEST, "Bad Request",
					"Missing request header '" + key.header() + "': this endpoint is rate limited per " + key.header(),
					"limiter", rule.limiter());
		}
		else {
			Problems.write(request, response, HttpServletResponse.SC_UNAUTHORIZED, "Unauthorized",
					"Authentication required: the rate limit of this endpoint counts per user", "limiter",
					rule.limiter());
		}
	}

	private void backendFailed(HttpServletRequest request, HttpServletResponse response, HttpRule rule,
			RateLimiterBackendException ex) throws IOException {
		logger.debug("Rate limiter '" + rule.limiter() + "' could not decide", ex);
		Problems.write(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Service Unavailable",
				"Rate limiter '" + rule.limiter() + "' could not decide", "limiter", rule.limiter());
	}

	/**
	 * Before the response is committed: the tightest limit after this request's decision.
	 */
	private static void writeRateLimit(HttpServletResponse response, HttpRule rule, RateLimiter limiter) {
		LimitStatus status;
		try {
			status = limiter.status();
		}
		catch (RuntimeException ex) {
			// A limiter that cannot tell its state answers without the fields.
			logger.debug("No status of rate limiter '" + rule.limiter() + "'", ex);
			return;
		}
		response.setHeader(RateLimitHeaders.POLICY, rule.policy(status));
		response.setHeader(RateLimitHeaders.RATE_LIMIT, RateLimitHeaders.state(rule.policyName(), status));
	}

	/** The request after an async wait, as the {@code REQUEST} dispatch it was. */
	private static final class GrantedRequest extends HttpServletRequestWrapper {

		GrantedRequest(HttpServletRequest request) {
			super(request);
		}

		@Override
		public DispatcherType getDispatcherType() {
			return DispatcherType.REQUEST;
		}

	}

}
