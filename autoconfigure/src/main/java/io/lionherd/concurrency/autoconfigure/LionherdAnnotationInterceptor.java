package io.lionherd.concurrency.autoconfigure;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.lionherd.concurrency.AsyncCallable;
import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.RetryPolicy;
import io.lionherd.concurrency.annotation.Monitored;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.RetryProperties;
import io.lionherd.concurrency.ratelimit.RateLimitExceededException;
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
import org.springframework.scheduling.annotation.Async;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringValueResolver;

/**
 * The interceptor behind {@link LionherdAnnotationBeanPostProcessor}: one per
 * post-processor, with one resolved {@link Plan} per method and target class, so a call
 * costs a map look-up and the steps its annotations ask for, nested as {@code @Monitored}
 * ( {@code @Retry} ( {@code @RateLimited} ( method ) ) ).
 */
final class LionherdAnnotationInterceptor implements MethodInterceptor {

	private final Supplier<RateLimiterRegistry> rateLimiterRegistry;

	private final Supplier<AsyncUtils> asyncUtils;

	private final Supplier<Map<String, RetryProperties>> retryPolicies;

	private final Map<MethodClassKey, Plan> plans = new ConcurrentHashMap<>();

	private @Nullable StringValueResolver embeddedValueResolver;

	LionherdAnnotationInterceptor(Supplier<RateLimiterRegistry> rateLimiterRegistry, Supplier<AsyncUtils> asyncUtils,
			Supplier<Map<String, RetryProperties>> retryPolicies) {
		this.rateLimiterRegistry = rateLimiterRegistry;
		this.asyncUtils = asyncUtils;
		this.retryPolicies = retryPolicies;
	}

	void setEmbeddedValueResolver(StringValueResolver embeddedValueResolver) {
		this.embeddedValueResolver = embeddedValueResolver;
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
			Plan existing = this.plans.putIfAbsent(key, plan);
			plan = (existing != null) ? existing : plan;
		}
		return plan.invoke(invocation);
	}

	/**
	 * Resolves the plan of an annotated method while its bean is created, so that a bad
	 * annotation stops the startup.
	 * @param method the method
	 * @param targetClass the bean's class
	 * @param beanName the bean's name, for the error message
	 */
	void check(Method method, Class<?> targetClass, String beanName) {
		MethodClassKey key = new MethodClassKey(method, targetClass);
		if (!this.plans.containsKey(key)) {
			this.plans.putIfAbsent(key, plan(method, targetClass, beanName));
		}
	}

	private Plan plan(Method method, Class<?> targetClass, @Nullable String beanName) {
		Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
		Class<?> returnType = specific.getReturnType();
		boolean async = CompletionStage.class.isAssignableFrom(returnType);
		Monitored monitored = AnnotatedMethodPointcut.find(specific, targetClass, Monitored.class);
		RateLimited rateLimited = AnnotatedMethodPointcut.find(specific, targetClass, RateLimited.class);
		Retry retry = AnnotatedMethodPointcut.find(specific, targetClass, Retry.class);
		String unsupported = ReturnTypes.unsupported(specific);
		if (unsupported != null) {
			throw invalid(beanName, specific,
					annotations(monitored, retry, rateLimited) + " cannot handle the return type "
							+ specific.getGenericReturnType().getTypeName() + ", " + unsupported
							+ ": it would be neither retried, rate limited nor timed as the call it is. "
							+ "Supported return types: " + ReturnTypes.SUPPORTED);
		}
		RateLimiter limiter = null;
		Duration timeout = null;
		if (rateLimited != null) {
			String name = resolve(rateLimited.value());
			RateLimiterRegistry registry = this.rateLimiterRegistry.get();
			if (!registry.names().contains(name)) {
				throw invalid(beanName, specific,
						"@RateLimited names the unknown rate limiter '" + name + "'; known rate limiters: "
								+ registry.names() + " ("
								+ MapKeys.configureHint(LionherdConcurrencyProperties.PREFIX + ".rate-limiters", name,
										registry.names())
								+ ")");
			}
			limiter = registry.get(name);
			timeout = timeout(resolve(rateLimited.timeout()), beanName, specific);
			if (async && !returnType.isAssignableFrom(CompletableFuture.class)) {
				throw invalid(beanName, specific,
						"@RateLimited on a method returning a CompletionStage needs it declared as CompletionStage "
								+ "or CompletableFuture, not " + returnType.getName());
			}
		}
		String retryName = null;
		RetryPolicy retryPolicy = null;
		if (retry != null) {
			retryName = resolve(retry.value());
			Map<String, RetryProperties> policies = this.retryPolicies.get();
			RetryProperties properties = policies.get(retryName);
			if (properties == null) {
				throw invalid(beanName, specific,
						"@Retry names the unknown retry policy '" + retryName + "'; known retry policies: "
								+ policies.keySet() + " ("
								+ MapKeys.configureHint(LionherdConcurrencyProperties.PREFIX + ".retries", retryName,
										policies.keySet())
								+ ")");
			}
			retryPolicy = properties.toSettings().toPolicy();
			if (async && !returnType.isAssignableFrom(CompletableFuture.class)) {
				throw invalid(beanName, specific,
						"@Retry on a method returning a CompletionStage needs it declared as CompletionStage "
								+ "or CompletableFuture, not " + returnType.getName());
			}
		}
		String monitorName = (monitored != null) ? resolve(monitored.value()) : null;
		if (monitorName != null && monitorName.isBlank()) {
			throw invalid(beanName, specific, "@Monitored needs a monitor name, not '" + monitorName + "'");
		}
		// An @Async method runs on the async executor, whose thread waits for its result
		// anyway: it waits there for its permit, so that the method still runs there.
		boolean springAsync = AnnotatedElementUtils.hasAnnotation(specific, Async.class)
				|| AnnotatedElementUtils.hasAnnotation(targetClass, Async.class);
		boolean waitForPermit = !async || springAsync;
		// Without waiting, a later permit calls the method on the limiter's wake-up
		// thread: in the caller's context, which AsyncUtils captures.
		AsyncUtils asyncUtils = (monitorName != null || retryPolicy != null || (limiter != null && !waitForPermit))
				? this.asyncUtils.get() : null;
		return new Plan(async, waitForPermit, asyncUtils, monitorName, limiter, timeout, retryName, retryPolicy);
	}

	private static String annotations(@Nullable Monitored monitored, @Nullable Retry retry,
			@Nullable RateLimited rateLimited) {
		List<String> names = new ArrayList<>();
		if (monitored != null) {
			names.add("@Monitored");
		}
		if (retry != null) {
			names.add("@Retry");
		}
		if (rateLimited != null) {
			names.add("@RateLimited");
		}
		return String.join(", ", names);
	}

	private @Nullable Duration timeout(String value, @Nullable String beanName, Method method) {
		if (value.isEmpty()) {
			return null;
		}
		Duration timeout;
		try {
			timeout = DurationStyle.detectAndParse(value);
		}
		catch (IllegalArgumentException ex) {
			throw invalid(beanName, method, "@RateLimited has the malformed timeout '" + value
					+ "'; a duration such as '500ms', '2s' or 'PT2S' is allowed, or empty for the limiter's own");
		}
		if (timeout.isNegative()) {
			throw invalid(beanName, method,
					"@RateLimited has the negative timeout '" + value + "'; zero (do not wait) or more is allowed");
		}
		return timeout;
	}

	private String resolve(String value) {
		StringValueResolver resolver = this.embeddedValueResolver;
		String resolved = (resolver != null) ? resolver.resolveStringValue(value) : value;
		return (resolved != null) ? resolved.trim() : "";
	}

	private static BeanInitializationException invalid(@Nullable String beanName, Method method, String problem) {
		String where = ClassUtils.getQualifiedMethodName(method) + "()"
				+ ((beanName != null) ? " of bean '" + beanName + "'" : "");
		return new BeanInitializationException("Invalid lionherd annotation on " + where + ": " + problem);
	}

	/**
	 * What to do around one method: monitor (when {@code monitorName} is set) around
	 * retrying (when {@code retryPolicy} is set) around taking a permit (when
	 * {@code limiter} is set) around the call itself.
	 *
	 * @param async whether the method returns a {@link CompletionStage}
	 * @param waitForPermit whether the caller's thread waits for the permit and between
	 * attempts: for a blocking method, and for an {@code @Async} one (on the async
	 * executor's thread)
	 * @param asyncUtils the monitor, the retry and the caller's context for a later
	 * permit, when monitored, retried or rate limited without waiting
	 * @param monitorName the monitor name, or {@code null}
	 * @param limiter the rate limiter, or {@code null}
	 * @param timeout the annotation's timeout, or {@code null} for the limiter's
	 * @param retryName the retry policy's name (the {@code lionherd.retry.calls} name
	 * tag), or {@code null}
	 * @param retryPolicy the retry policy, or {@code null}
	 */
	record Plan(boolean async, boolean waitForPermit, @Nullable AsyncUtils asyncUtils, @Nullable String monitorName,
			@Nullable RateLimiter limiter, @Nullable Duration timeout, @Nullable String retryName,
			@Nullable RetryPolicy retryPolicy) {

		@Nullable Object invoke(MethodInvocation invocation) throws Throwable {
			AsyncUtils monitor = this.asyncUtils;
			if (monitor == null || this.monitorName == null) {
				return retried(invocation);
			}
			if (this.async) {
				MonitoredStage call = new MonitoredStage(this, invocation);
				monitor.monitorAsync(this.monitorName, call);
				return call.result();
			}
			try {
				return monitor.monitorBlocking(this.monitorName, new MonitoredCall(this, invocation)).result();
			}
			catch (UndeclaredThrowable ex) {
				throw ex.getCause();
			}
		}

		/**
		 * Calls the method through {@link #rateLimited}, once or, with a retry policy,
		 * once per attempt (each on its own copy of the invocation).
		 */
		@Nullable Object retried(MethodInvocation invocation) throws Throwable {
			RetryPolicy policy = this.retryPolicy;
			String name = this.retryName;
			AsyncUtils retries = this.asyncUtils;
			if (policy == null || name == null || retries == null) {
				return rateLimited(invocation);
			}
			ProxyMethodInvocation proxied = proxied(invocation);
			if (!this.waitForPermit) {
				return retries.retry(name, () -> attempt(proxied.invocableClone()), policy);
			}
			return new CallerRunsRetry(this, proxied).run(retries, name, policy);
		}

		/** One attempt of a method returning a {@link CompletionStage}: its stage. */
		@SuppressWarnings("unchecked")
		CompletionStage<Object> attempt(MethodInvocation invocation) {
			Object returned;
			try {
				returned = rateLimited(invocation);
			}
			catch (Throwable ex) {
				return CompletableFuture.failedFuture(ex);
			}
			if (returned instanceof CompletionStage<?> stage) {
				return (CompletionStage<Object>) stage;
			}
			return CompletableFuture.failedFuture(new NullPointerException(
					"The @Retry method " + ClassUtils.getQualifiedMethodName(invocation.getMethod())
							+ "() returned null instead of a CompletionStage"));
		}

		private static ProxyMethodInvocation proxied(MethodInvocation invocation) {
			if (invocation instanceof ProxyMethodInvocation proxied) {
				return proxied;
			}
			throw new IllegalStateException("@Retry needs a ProxyMethodInvocation to call "
					+ ClassUtils.getQualifiedMethodName(invocation.getMethod()) + "() again, not "
					+ invocation.getClass().getName());
		}

		@Nullable Object rateLimited(MethodInvocation invocation) throws Throwable {
			RateLimiter limiter = this.limiter;
			if (limiter == null) {
				return invocation.proceed();
			}
			// acquire, never a tryAcquire probe first: on a distributed limiter that
			// would be
			// a blocking round trip on the caller's thread, and a refusal counted twice.
			CompletableFuture<Void> permit = (this.timeout != null) ? limiter.acquire(this.timeout) : limiter.acquire();
			return this.waitForPermit ? afterPermit(limiter, permit, invocation)
					: whenPermitted(limiter, permit, invocation, this.asyncUtils);
		}

		/** Blocks the caller until the permit comes, then calls the method. */
		private @Nullable Object afterPermit(RateLimiter limiter, CompletableFuture<Void> permit,
				MethodInvocation invocation) throws Throwable {
			try {
				permit.get();
			}
			catch (InterruptedException ex) {
				permit.cancel(false);
				Thread.currentThread().interrupt();
				throw new RateLimitExceededException(limiter.name(),
						"Interrupted while waiting for a permit of rate limiter '" + limiter.name() + "'", ex);
			}
			catch (ExecutionException ex) {
				throw exceeded(limiter, ex.getCause());
			}
			return invocation.proceed();
		}

		/**
		 * Returns at once: the method's own stage when the permit is granted now, else a
		 * future that calls the method when it is (or fails when it is not), in the
		 * caller's context. Either way, what the method throws fails the stage returned,
		 * as it does when the method is called later.
		 */
		private static Object whenPermitted(RateLimiter limiter, CompletableFuture<Void> permit,
				MethodInvocation invocation, @Nullable AsyncUtils context) {
			if (permit.isDone() && !permit.isCompletedExceptionally()) {
				Object returned;
				try {
					returned = invocation.proceed();
				}
				catch (Throwable ex) {
					return CompletableFuture.failedFuture(ex);
				}
				return (returned != null) ? returned : CompletableFuture.failedFuture(returnedNull(invocation));
			}
			CompletableFuture<Object> result = new CompletableFuture<>();
			Runnable call = () -> relay(invocation, result);
			Runnable callInContext = (context != null) ? context.withCurrentContext(call) : call;
			permit.whenComplete((granted, error) -> {
				if (error != null) {
					result.completeExceptionally(exceeded(limiter, error));
				}
				else if (!result.isDone()) {
					callInContext.run();
				}
			});
			result.whenComplete((value, error) -> {
				if (result.isCancelled()) {
					permit.cancel(false);
				}
			});
			return result;
		}

		private static void relay(MethodInvocation invocation, CompletableFuture<Object> result) {
			Object returned;
			try {
				returned = invocation.proceed();
			}
			catch (Throwable ex) {
				result.completeExceptionally(ex);
				return;
			}
			if (!(returned instanceof CompletionStage<?> stage)) {
				result.completeExceptionally(returnedNull(invocation));
				return;
			}
			stage.whenComplete((value, error) -> {
				if (error != null) {
					result.completeExceptionally(unwrap(error));
				}
				else {
					result.complete(value);
				}
			});
			result.whenComplete((value, error) -> {
				if (result.isCancelled()) {
					stage.toCompletableFuture().cancel(true);
				}
			});
		}

		private static NullPointerException returnedNull(MethodInvocation invocation) {
			return new NullPointerException(
					"The @RateLimited method " + ClassUtils.getQualifiedMethodName(invocation.getMethod())
							+ "() returned null instead of a CompletionStage");
		}

		private static Throwable exceeded(RateLimiter limiter, @Nullable Throwable error) {
			Throwable cause = unwrap(error);
			if (cause instanceof TimeoutException) {
				return new RateLimitExceededException(limiter.name(),
						"No permit of rate limiter '" + limiter.name() + "' in time: " + cause.getMessage(), cause);
			}
			return cause;
		}

		private static Throwable unwrap(@Nullable Throwable error) {
			Throwable current = error;
			while ((current instanceof CompletionException || current instanceof ExecutionException)
					&& current.getCause() != null) {
				current = current.getCause();
			}
			return (current != null) ? current : new IllegalStateException("Failed without a cause");
		}

	}

	/**
	 * The monitored step of a method returning a {@link CompletionStage}: passes the
	 * method's own stage (or exception) through unchanged.
	 */
	private static final class MonitoredStage implements AsyncCallable<Object> {

		private final Plan plan;

		private final MethodInvocation invocation;

		private @Nullable Object returned;

		private @Nullable Throwable thrown;

		MonitoredStage(Plan plan, MethodInvocation invocation) {
			this.plan = plan;
			this.invocation = invocation;
		}

		@Override
		@SuppressWarnings("unchecked")
		public CompletionStage<Object> call() throws Exception {
			try {
				this.returned = this.plan.retried(this.invocation);
			}
			catch (Throwable ex) {
				this.thrown = ex;
				if (ex instanceof Exception exception) {
					throw exception;
				}
				if (ex instanceof Error error) {
					throw error;
				}
				throw new UndeclaredThrowable(ex);
			}
			return (CompletionStage<Object>) this.returned;
		}

		@Nullable Object result() throws Throwable {
			if (this.thrown != null) {
				throw this.thrown;
			}
			return this.returned;
		}

	}

	/**
	 * The monitored step of a blocking method; a {@link Throwable} that is neither an
	 * {@link Exception} nor an {@link Error} travels wrapped and comes out unwrapped.
	 */
	private static final class MonitoredCall implements Callable<@Nullable Object> {

		private final Plan plan;

		private final MethodInvocation invocation;

		MonitoredCall(Plan plan, MethodInvocation invocation) {
			this.plan = plan;
			this.invocation = invocation;
		}

		@Override
		public @Nullable Object call() throws Exception {
			try {
				return this.plan.retried(this.invocation);
			}
			catch (Exception | Error ex) {
				throw ex;
			}
			catch (Throwable ex) {
				throw new UndeclaredThrowable(ex);
			}
		}

	}

	/**
	 * The retry of a method that runs on its caller's thread (a blocking method, or an
	 * {@code @Async} one on the async executor's thread): {@link AsyncUtils#retry}
	 * decides when each attempt starts (backoff, deadline, {@code lionherd.retry.calls}),
	 * and each attempt runs here, on the calling thread, which waits in between. The
	 * method thus keeps its caller's thread (its transaction, security context, request)
	 * in every attempt.
	 */
	private static final class CallerRunsRetry implements AsyncCallable<Object> {

		private static final Runnable WAKE_UP = () -> {
		};

		private final Plan plan;

		private final ProxyMethodInvocation invocation;

		private final Thread caller = Thread.currentThread();

		/** Attempts due, handed over by the timer's thread. */
		private final BlockingQueue<Runnable> due = new LinkedBlockingQueue<>();

		/**
		 * The failure of the latest attempt, as thrown; read and written by the caller.
		 */
		private @Nullable Throwable lastFailure;

		CallerRunsRetry(Plan plan, ProxyMethodInvocation invocation) {
			this.plan = plan;
			this.invocation = invocation;
		}

		@Override
		public CompletionStage<Object> call() {
			if (Thread.currentThread() == this.caller) {
				return attempt();
			}
			CompletableFuture<Object> attempt = new CompletableFuture<>();
			this.due.add(() -> {
				if (!attempt.isDone()) {
					relay(attempt(), attempt);
				}
			});
			return attempt;
		}

		private CompletionStage<Object> attempt() {
			if (this.plan.async) {
				return this.plan.attempt(this.invocation.invocableClone());
			}
			try {
				return CompletableFuture.completedFuture(this.plan.rateLimited(this.invocation.invocableClone()));
			}
			catch (Throwable ex) {
				this.lastFailure = ex;
				if (Thread.currentThread().isInterrupted()) {
					// The caller was interrupted: a failure no policy retries ends the
					// retry, and run() throws the attempt's own failure, the interrupt
					// kept.
					return CompletableFuture.failedFuture(new InterruptedException("Interrupted during an attempt"));
				}
				return CompletableFuture.failedFuture(ex);
			}
		}

		private static void relay(CompletionStage<Object> stage, CompletableFuture<Object> attempt) {
			stage.whenComplete((value, error) -> {
				if (error != null) {
					attempt.completeExceptionally(Plan.unwrap(error));
				}
				else {
					attempt.complete(value);
				}
			});
			attempt.whenComplete((value, error) -> {
				if (attempt.isCancelled()) {
					stage.toCompletableFuture().cancel(true);
				}
			});
		}

		/**
		 * Runs the attempts on the caller's thread until the retry ends.
		 * @return the result of the first successful attempt (for a method returning a
		 * {@link CompletionStage}: the retry's future, complete)
		 * @throws Throwable the last attempt's failure, as thrown
		 */
		@Nullable Object run(AsyncUtils asyncUtils, String name, RetryPolicy policy) throws Throwable {
			CompletableFuture<Object> result = asyncUtils.retry(name, this, policy);
			if (!result.isDone()) {
				result.whenComplete((value, error) -> this.due.add(WAKE_UP));
				try {
					while (!result.isDone()) {
						this.due.take().run();
					}
				}
				catch (InterruptedException ex) {
					// no attempt starts after: the failure so far is the answer
					result.cancel(true);
					Thread.currentThread().interrupt();
				}
			}
			if (this.plan.async) {
				return result;
			}
			if (!result.isCompletedExceptionally()) {
				return result.getNow(null);
			}
			Throwable failure = this.lastFailure;
			if (failure != null) {
				throw failure;
			}
			try {
				result.join();
			}
			catch (CancellationException ex) {
				throw ex;
			}
			catch (CompletionException ex) {
				throw Plan.unwrap(ex);
			}
			throw new IllegalStateException("Retry failed without a failure");
		}

	}

	@SuppressWarnings("serial")
	private static final class UndeclaredThrowable extends Exception {

		UndeclaredThrowable(Throwable cause) {
			super(cause);
		}

	}

}
