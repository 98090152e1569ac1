package io.lionherd.concurrency.autoconfigure.annotation;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.lionherd.concurrency.AsyncCallable;
import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.MonitorRecorder;
import io.lionherd.concurrency.RetryPolicy;
import io.lionherd.concurrency.annotation.ConcurrencyLimited;
import io.lionherd.concurrency.annotation.Monitored;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.ParseException;
import org.springframework.scheduling.annotation.Async;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringValueResolver;

import static io.lionherd.concurrency.autoconfigure.annotation.Invocations.call;
import static io.lionherd.concurrency.autoconfigure.annotation.Invocations.stage;

/**
 * The interceptor behind {@link LionherdAnnotationBeanPostProcessor}: one per
 * post-processor, with one resolved {@link Plan} per method and target class, so a call
 * costs a map look-up and the core's decorators its annotations ask for, nested as
 * {@code @Monitored} ( {@code @Retry} ( {@code @RateLimited} (
 * {@code @ConcurrencyLimited} ( method ) ) ) ): a concurrency permit is taken once the
 * rate-limit permit is granted, for each attempt, and held only while the call runs. A
 * method returning a {@code Mono} or a {@code Flux} gets the same steps as Reactor
 * operators, per subscription ({@link ReactiveCalls}).
 */
final class LionherdAnnotationInterceptor implements MethodInterceptor {

	private final Supplier<RateLimiterRegistry> rateLimiterRegistry;

	private final Supplier<ConcurrencyLimitRegistry> concurrencyLimitRegistry;

	private final Supplier<AsyncUtils> asyncUtils;

	private final Supplier<@Nullable MonitorRecorder> monitorRecorder;

	private final AnnotationSettings settings;

	private final Map<MethodClassKey, Plan> plans = new ConcurrentHashMap<>();

	private @Nullable StringValueResolver embeddedValueResolver;

	private @Nullable ClassLoader classLoader;

	/**
	 * An interceptor that finds what it needs when it plans a method.
	 * @param rateLimiterRegistry the rate limiters
	 * @param concurrencyLimitRegistry the concurrency limits
	 * @param asyncUtils the retries, monitors and context capture
	 * @param monitorRecorder where {@code @Monitored} on a {@code Mono} or {@code Flux}
	 * records (the one {@code AsyncUtils} was built with), or {@code null} for nowhere
	 * @param settings the retry policies, and where a missing name is configured
	 */
	LionherdAnnotationInterceptor(Supplier<RateLimiterRegistry> rateLimiterRegistry,
			Supplier<ConcurrencyLimitRegistry> concurrencyLimitRegistry, Supplier<AsyncUtils> asyncUtils,
			Supplier<@Nullable MonitorRecorder> monitorRecorder, AnnotationSettings settings) {
		this.rateLimiterRegistry = rateLimiterRegistry;
		this.concurrencyLimitRegistry = concurrencyLimitRegistry;
		this.asyncUtils = asyncUtils;
		this.monitorRecorder = monitorRecorder;
		this.settings = settings;
	}

	void setEmbeddedValueResolver(StringValueResolver embeddedValueResolver) {
		this.embeddedValueResolver = embeddedValueResolver;
	}

	/** The application's class loader: whether Reactor is there. */
	void setBeanClassLoader(ClassLoader classLoader) {
		this.classLoader = classLoader;
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target)
				: invocation.getMethod().getDeclaringClass();
		MethodClassKey key = new MethodClassKey(invocation.getMethod(), targetClass);
		Plan plan = this.plans.get(key);
		if (plan == null) {
			// not computeIfAbsent: resolving may create beans, whose checks use this map
			plan = plan(invocation.getMethod(), targetClass, null);
			plan = Objects.requireNonNullElse(this.plans.putIfAbsent(key, plan), plan);
		}
		return plan.invoke(invocation);
	}

	/** Plans a method while its bean is created: a bad annotation stops startup. */
	void check(Method method, Class<?> targetClass, String beanName) {
		MethodClassKey key = new MethodClassKey(method, targetClass);
		if (!this.plans.containsKey(key)) {
			this.plans.putIfAbsent(key, plan(method, targetClass, beanName));
		}
	}

	private Plan plan(Method method, Class<?> targetClass, @Nullable String beanName) {
		Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
		Class<?> returnType = specific.getReturnType();
		Monitored monitored = AnnotatedMethodPointcut.find(specific, targetClass, Monitored.class);
		RateLimited rateLimited = AnnotatedMethodPointcut.find(specific, targetClass, RateLimited.class);
		Retry retry = AnnotatedMethodPointcut.find(specific, targetClass, Retry.class);
		ConcurrencyLimited concurrencyLimited = AnnotatedMethodPointcut.find(specific, targetClass,
				ConcurrencyLimited.class);
		String unsupported = ReturnTypes.unsupported(specific, this.classLoader);
		if (unsupported != null) {
			String annotations = Stream.of(monitored, retry, rateLimited, concurrencyLimited)
				.filter(Objects::nonNull)
				.map((annotation) -> "@" + annotation.annotationType().getSimpleName())
				.collect(Collectors.joining(", "));
			throw invalid(beanName, specific, annotations + " cannot handle the return type "
					+ specific.getGenericReturnType().getTypeName() + ", " + unsupported
					+ ": it would be neither retried, rate limited, concurrency limited nor timed as the call it is. "
					+ "Supported return types: " + ReturnTypes.SUPPORTED);
		}
		ReturnTypes.Kind kind = ReturnTypes.kind(specific);
		boolean async = kind == ReturnTypes.Kind.STAGE;
		RateLimiter limiter = null;
		Duration timeout = null;
		PermitsExpression permits = null;
		KeyExpression key = null;
		RateLimiterRegistry registry = null;
		if (rateLimited != null) {
			String name = resolve(rateLimited.value());
			RateLimiterRegistry limiters = this.rateLimiterRegistry.get();
			limiter = limiters.find(name)
				.orElseThrow(() -> unknown("@RateLimited names the unknown rate limiter", "known rate limiters", name,
						limiters.names(), "rate-limiters", beanName, specific));
			timeout = timeout("@RateLimited", "limiter", resolve(rateLimited.timeout()), beanName, specific);
			permits = permits(rateLimited.permits().trim(), limiter, beanName, specific);
			key = key(rateLimited.key().trim(), beanName, specific);
			registry = (key != null) ? limiters : null;
		}
		ConcurrencyLimit concurrencyLimit = null;
		Duration concurrencyTimeout = null;
		if (concurrencyLimited != null) {
			String name = resolve(concurrencyLimited.value());
			ConcurrencyLimitRegistry limits = this.concurrencyLimitRegistry.get();
			concurrencyLimit = limits.find(name)
				.orElseThrow(() -> unknown("@ConcurrencyLimited names the unknown concurrency limit",
						"known concurrency limits", name, limits.names(), "capacity-limiters", beanName, specific));
			concurrencyTimeout = timeout("@ConcurrencyLimited", "limit", resolve(concurrencyLimited.timeout()),
					beanName, specific);
		}
		String retryName = (retry != null) ? resolve(retry.value()) : null;
		RetryPolicy retryPolicy = null;
		if (retryName != null) {
			Map<String, RetryPolicy> policies = this.settings.retryPolicies();
			retryPolicy = policies.get(retryName);
			if (retryPolicy == null) {
				throw unknown("@Retry names the unknown retry policy", "known retry policies", retryName,
						policies.keySet(), "retries", beanName, specific);
			}
		}
		if ((limiter != null || retryPolicy != null || concurrencyLimit != null) && async
				&& !returnType.isAssignableFrom(CompletableFuture.class)) {
			String annotation = (limiter != null) ? "@RateLimited"
					: (retryPolicy != null) ? "@Retry" : "@ConcurrencyLimited";
			throw invalid(beanName, specific,
					annotation + " on a method returning "
							+ "a CompletionStage needs it declared as CompletionStage or CompletableFuture, not "
							+ returnType.getName());
		}
		String monitorName = (monitored != null) ? resolve(monitored.value()) : null;
		if (monitorName != null && monitorName.isBlank()) {
			throw invalid(beanName, specific, "@Monitored needs a monitor name, not '" + monitorName + "'");
		}
		// An @Async method runs on the async executor, whose thread waits for its result
		// anyway:
		// it waits there for its permit and between attempts, so that it still runs
		// there.
		boolean waitForPermit = !async || AnnotatedElementUtils.hasAnnotation(specific, Async.class)
				|| AnnotatedElementUtils.hasAnnotation(targetClass, Async.class);
		// Without waiting, a later permit calls the method on the limiter's wake-up
		// thread: in the caller's context, which AsyncUtils captures.
		AsyncUtils asyncUtils = (monitorName != null || retryPolicy != null || kind.reactive()
				|| ((limiter != null || concurrencyLimit != null) && !waitForPermit)) ? this.asyncUtils.get() : null;
		// Reactor's classes load only for a reactive method.
		ReactiveCalls reactive = kind.reactive()
				? new ReactiveCalls(kind == ReturnTypes.Kind.FLUX, Objects.requireNonNull(asyncUtils), monitorName,
						(monitorName != null) ? this.monitorRecorder.get() : null, retryName, retryPolicy, timeout,
						concurrencyLimit, concurrencyTimeout)
				: null;
		return new Plan(async, waitForPermit, asyncUtils, monitorName, limiter, timeout, permits, key, registry,
				retryName, retryPolicy, concurrencyLimit, concurrencyTimeout, reactive);
	}

	private BeanInitializationException unknown(String unknown, String known, String name, Collection<String> names,
			String map, @Nullable String beanName, Method method) {
		return invalid(beanName, method, unknown + " '" + name + "'; " + known + ": " + names + " ("
				+ this.settings.configureHint(map, name, names) + ")");
	}

	private @Nullable Duration timeout(String annotation, String owner, String value, @Nullable String beanName,
			Method method) {
		if (value.isEmpty()) {
			return null;
		}
		try {
			Duration timeout = DurationStyle.detectAndParse(value);
			if (!timeout.isNegative()) {
				return timeout;
			}
		}
		catch (IllegalArgumentException ex) {
			throw invalid(beanName, method, annotation + " has the malformed timeout '" + value
					+ "'; a duration such as '500ms', '2s' or 'PT2S' is allowed, or empty for the " + owner + "'s own");
		}
		throw invalid(beanName, method,
				annotation + " has the negative timeout '" + value + "'; zero (do not wait) or more is allowed");
	}

	/** The parsed permits expression; none (1 permit, nothing evaluated) when empty. */
	private static @Nullable PermitsExpression permits(String expression, RateLimiter limiter,
			@Nullable String beanName, Method method) {
		if (expression.isEmpty()) {
			return null;
		}
		try {
			return PermitsExpression.parse(expression, method, limiter);
		}
		catch (ParseException ex) {
			throw invalid(beanName, method,
					"@RateLimited has the unparsable permits expression '" + expression + "' (" + ex.getMessage()
							+ "); a SpEL expression over the method's arguments is allowed, such as "
							+ "'#tokens', '#request.maxTokens' or '#p0', or empty for 1 permit per call");
		}
	}

	/** The parsed key expression; none (the named limiter itself) when empty. */
	private static @Nullable KeyExpression key(String expression, @Nullable String beanName, Method method) {
		if (expression.isEmpty()) {
			return null;
		}
		try {
			return KeyExpression.parse(expression, method);
		}
		catch (ParseException ex) {
			throw invalid(beanName, method,
					"@RateLimited has the unparsable key expression '" + expression + "' (" + ex.getMessage()
							+ "); a SpEL expression over the method's arguments is allowed, such as "
							+ "'#user.id', '#apiKey' or '#p0', or empty for the named limiter itself");
		}
	}

	private String resolve(String value) {
		StringValueResolver resolver = this.embeddedValueResolver;
		String resolved = (resolver != null) ? resolver.resolveStringValue(value) : value;
		return (resolved != null) ? resolved.trim() : "";
	}

	private static BeanInitializationException invalid(@Nullable String beanName, Method method, String problem) {
		return new BeanInitializationException(
				"Invalid lionherd annotation on " + ClassUtils.getQualifiedMethodName(method) + "()"
						+ ((beanName != null) ? " of bean '" + beanName + "'" : "") + ": " + problem);
	}

	/**
	 * Monitor around retry around rate-limit permit around concurrency permit around the
	 * call, each step when set; with {@code waitForPermit} (blocking or {@code @Async}
	 * method) the caller's thread waits. The permits and the key are evaluated once per
	 * call, inside the monitor and before the retries: every attempt asks the same key's
	 * limiter for the same. With a key, each attempt looks its limiter up in the
	 * {@code registry}, which may have forgotten an idle key's limiter since the last.
	 */
	record Plan(boolean async, boolean waitForPermit, @Nullable AsyncUtils asyncUtils, @Nullable String monitorName,
			@Nullable RateLimiter limiter, @Nullable Duration timeout, @Nullable PermitsExpression permits,
			@Nullable KeyExpression key, @Nullable RateLimiterRegistry registry, @Nullable String retryName,
			@Nullable RetryPolicy retryPolicy, @Nullable ConcurrencyLimit concurrencyLimit,
			@Nullable Duration concurrencyTimeout, @Nullable ReactiveCalls reactive) {

		@Nullable Object invoke(MethodInvocation invocation) throws Throwable {
			ReactiveCalls calls = this.reactive;
			if (calls != null) {
				return reactive(calls, invocation);
			}
			AsyncUtils monitor = this.asyncUtils;
			String name = this.monitorName;
			try {
				if (monitor == null || name == null) {
					return permitted(invocation);
				}
				if (this.async) {
					// the method's own stage, as without the monitor
					return monitor.monitorStage(name, () -> (CompletionStage<?>) call(this::permitted, invocation));
				}
				return monitor.monitorBlocking(name, () -> call(this::permitted, invocation)).result();
			}
			catch (Invocations.UndeclaredThrowable ex) {
				throw ex.getCause();
			}
		}

		/**
		 * Evaluates the call's permits and key, once for all its attempts, and retries.
		 * Permits or a key that cannot be asked for fail the call as the method's own
		 * failure would: a {@code CompletionStage} method's caller gets a failed future,
		 * never a thrown exception.
		 */
		private @Nullable Object permitted(MethodInvocation invocation) throws Throwable {
			Ask ask;
			try {
				ask = new Ask(permitsOf(invocation), keyOf(invocation));
			}
			catch (IllegalArgumentException ex) {
				return failed(ex);
			}
			return retried(invocation, ask);
		}

		/**
		 * A {@code Mono} or {@code Flux} method's call: its permits and key evaluated
		 * now, for every subscription; bad ones are the publisher's error signal.
		 */
		private Object reactive(ReactiveCalls calls, MethodInvocation invocation) {
			Ask ask;
			try {
				ask = new Ask(permitsOf(invocation), keyOf(invocation));
			}
			catch (IllegalArgumentException ex) {
				return calls.error(ex);
			}
			return calls.call(invocation, this.limiter, this.registry, ask);
		}

		private Object failed(RuntimeException ex) {
			if (this.async) {
				return CompletableFuture.failedFuture(ex);
			}
			throw ex;
		}

		/** 1 unless the annotation names an expression for this call's permits. */
		private long permitsOf(MethodInvocation invocation) {
			PermitsExpression permits = this.permits;
			return (this.limiter != null && permits != null) ? permits.evaluate(invocation.getArguments()) : 1;
		}

		/** None unless the annotation names an expression for this call's key. */
		private @Nullable String keyOf(MethodInvocation invocation) {
			KeyExpression key = this.key;
			return (this.limiter != null && key != null) ? key.evaluate(invocation.getArguments()) : null;
		}

		/** Each attempt calls {@link #rateLimited} on its own copy of the invocation. */
		private @Nullable Object retried(MethodInvocation invocation, Ask ask) throws Throwable {
			RetryPolicy policy = this.retryPolicy;
			String name = this.retryName;
			AsyncUtils retries = this.asyncUtils;
			if (policy == null || name == null || retries == null) {
				return rateLimited(invocation, ask);
			}
			ProxyMethodInvocation proxied = Invocations.proxied(invocation);
			Invocations.Step rateLimited = (call) -> rateLimited(call, ask);
			if (!this.async) {
				return retries.retryBlocking(name, () -> call(rateLimited, proxied.invocableClone()), policy);
			}
			AsyncCallable<Object> attempt = () -> stage(rateLimited, proxied.invocableClone());
			return this.waitForPermit ? retries.awaitRetry(name, attempt, policy)
					: retries.retry(name, attempt, policy);
		}

		private @Nullable Object rateLimited(MethodInvocation invocation, Ask ask) throws Throwable {
			RateLimiter limiter = this.limiter;
			if (limiter == null) {
				return concurrencyLimited(invocation);
			}
			String key = ask.key();
			RateLimiterRegistry registry = this.registry;
			if (key != null && registry != null) {
				try {
					limiter = registry.get(limiter.name(), key);
				}
				catch (RuntimeException ex) {
					return failed(ex);
				}
			}
			if (this.waitForPermit) {
				return limiter.executeCallable(ask.permits(), this.timeout,
						() -> call(this::concurrencyLimited, invocation));
			}
			return limiter.executeCompletionStage(ask.permits(), this.timeout,
					Objects.requireNonNull(this.asyncUtils)::withCurrentContext,
					() -> stage(this::concurrencyLimited, invocation));
		}

		/**
		 * The call holding a concurrency permit: a blocking method's for the call, a
		 * {@code CompletionStage} method's until its stage completes. An {@code @Async}
		 * method waits for its permit on the async executor's thread, which then calls it
		 * and waits for its stage anyway (as Spring's {@code @Async} does), so it holds
		 * the permit until the stage completes there.
		 */
		private @Nullable Object concurrencyLimited(MethodInvocation invocation) throws Throwable {
			ConcurrencyLimit limit = this.concurrencyLimit;
			if (limit == null) {
				return invocation.proceed();
			}
			if (!this.async) {
				return limit.executeCallable(this.concurrencyTimeout,
						() -> call(MethodInvocation::proceed, invocation));
			}
			if (this.waitForPermit) {
				return limit.executeCallable(this.concurrencyTimeout,
						() -> completed(call(MethodInvocation::proceed, invocation)));
			}
			return limit.executeCompletionStage(this.concurrencyTimeout,
					Objects.requireNonNull(this.asyncUtils)::withCurrentContext,
					() -> stage(MethodInvocation::proceed, invocation));
		}

		/** The stage {@code returned}, once it completed, however it did. */
		private static @Nullable Object completed(@Nullable Object returned) throws InterruptedException {
			if (returned instanceof CompletionStage<?> stage) {
				CompletableFuture<Void> done = new CompletableFuture<>();
				stage.whenComplete((value, error) -> done.complete(null));
				try {
					done.get();
				}
				catch (ExecutionException ex) {
					// never: done only completes normally
					throw new IllegalStateException(ex);
				}
			}
			return returned;
		}

	}

	/**
	 * What one call asks of its limiter, for every attempt.
	 *
	 * @param permits the permits, at least 1
	 * @param key the client key, or {@code null} for the named limiter itself
	 */
	record Ask(long permits, @Nullable String key) {

	}

}
