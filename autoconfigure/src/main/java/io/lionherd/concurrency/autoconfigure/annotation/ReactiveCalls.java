package io.lionherd.concurrency.autoconfigure.annotation;

import java.time.Duration;
import java.util.function.Function;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.MonitorRecorder;
import io.lionherd.concurrency.RetryPolicy;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import io.lionherd.concurrency.reactor.ConcurrencyLimitOperator;
import io.lionherd.concurrency.reactor.MonitorOperator;
import io.lionherd.concurrency.reactor.RateLimiterOperator;
import io.lionherd.concurrency.reactor.RetryOperator;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.util.ClassUtils;

/**
 * The annotations on a method returning a {@code Mono} or a {@code Flux} (or a Kotlin
 * suspend function, whose result Spring AOP hands over as one): the core's Reactor
 * operators, nested as {@code @Monitored} ( {@code @Retry} ( {@code @RateLimited} (
 * {@code @ConcurrencyLimited} ( method ) ) ) ), applied to a publisher that invokes the
 * method once per subscription. Calling the method returns at once and does nothing else:
 * each subscription is monitored from its start to its terminal signal, each attempt of
 * the retry resubscribes, asks for its rate-limit permit(s), then for a concurrency
 * permit held until its terminal signal or cancel, and only then invokes the method
 * (through the rest of the interceptor chain) and subscribes to what it returns, in the
 * caller's context (MDC, Micrometer context) as captured by the call. A {@code Flux}
 * takes its permits once per subscription. Only this class refers to Reactor, so the
 * interceptor loads without it.
 */
final class ReactiveCalls {

	private final boolean flux;

	private final AsyncUtils asyncUtils;

	private final @Nullable MonitorOperator<Object> monitor;

	private final @Nullable RetryOperator<Object> retry;

	/** {@code @RateLimited}'s own timeout, or {@code null} for the limiter's. */
	private final @Nullable Duration rateLimitTimeout;

	private final @Nullable ConcurrencyLimitOperator<Object> concurrencyLimit;

	ReactiveCalls(boolean flux, AsyncUtils asyncUtils, @Nullable String monitorName,
			@Nullable MonitorRecorder monitorRecorder, @Nullable String retryName, @Nullable RetryPolicy retryPolicy,
			@Nullable Duration rateLimitTimeout, @Nullable ConcurrencyLimit concurrencyLimit,
			@Nullable Duration concurrencyTimeout) {
		this.flux = flux;
		this.asyncUtils = asyncUtils;
		this.monitor = (monitorName != null)
				? MonitorOperator.of(monitorName, (monitorRecorder != null) ? monitorRecorder : MonitorRecorder.none())
				: null;
		// Counted in lionherd.retry.calls with the blocking and async retries.
		this.retry = (retryPolicy != null && retryName != null)
				? RetryOperator.of(retryPolicy, retryName, asyncUtils.retryRecorder()) : null;
		this.rateLimitTimeout = rateLimitTimeout;
		this.concurrencyLimit = (concurrencyLimit != null)
				? ConcurrencyLimitOperator.of(concurrencyLimit, concurrencyTimeout) : null;
	}

	/**
	 * The call's publisher, as the method's declared type.
	 * @param invocation the intercepted call, copied for each subscription
	 * @param limiter the rate limiter, or {@code null} without {@code @RateLimited}
	 * @param registry where to look the key's limiter up, or {@code null} without a key
	 * @param ask the permits and key evaluated for this call
	 * @return a {@code Mono} or a {@code Flux}
	 */
	Publisher<Object> call(MethodInvocation invocation, @Nullable RateLimiter limiter,
			@Nullable RateLimiterRegistry registry, LionherdAnnotationInterceptor.Ask ask) {
		ProxyMethodInvocation proxied = Invocations.proxied(invocation, "A method returning a Mono or a Flux");
		CallerContext context = new CallerContext(this.asyncUtils);
		Publisher<Object> call = invoked(proxied, context);
		call = apply(this.concurrencyLimit, call);
		if (limiter != null) {
			call = rateLimited(call, limiter, registry, ask);
		}
		call = apply(this.retry, call);
		return apply(this.monitor, call);
	}

	/** The publisher of a call that cannot be made, such as one whose permits are bad. */
	Publisher<Object> error(Throwable error) {
		return this.flux ? Flux.error(error) : Mono.error(error);
	}

	private Publisher<Object> apply(@Nullable Function<Publisher<Object>, Publisher<Object>> operator,
			Publisher<Object> publisher) {
		return (operator != null) ? operator.apply(publisher) : publisher;
	}

	/**
	 * Each subscription asks for the call's permits, from the key's limiter as the
	 * registry knows it then (it may have forgotten an idle key's limiter since the last
	 * attempt).
	 */
	private Publisher<Object> rateLimited(Publisher<Object> call, RateLimiter limiter,
			@Nullable RateLimiterRegistry registry, LionherdAnnotationInterceptor.Ask ask) {
		String key = ask.key();
		Function<Publisher<Object>, Publisher<Object>> operator = (registry == null || key == null)
				? RateLimiterOperator.of(limiter, ask.permits(), this.rateLimitTimeout) : null;
		if (operator != null) {
			return operator.apply(call);
		}
		if (this.flux) {
			return Flux.defer(() -> keyed(registry, limiter, key, ask).apply(call));
		}
		return Mono.defer(() -> Mono.from(keyed(registry, limiter, key, ask).apply(call)));
	}

	private RateLimiterOperator<Object> keyed(RateLimiterRegistry registry, RateLimiter limiter, String key,
			LionherdAnnotationInterceptor.Ask ask) {
		return RateLimiterOperator.of(registry.get(limiter.name(), key), ask.permits(), this.rateLimitTimeout);
	}

	/** Invokes the method anew for each subscription, in the caller's context. */
	private Publisher<Object> invoked(ProxyMethodInvocation invocation, CallerContext context) {
		if (this.flux) {
			return new InContextFlux(Flux.defer(() -> Flux.from(proceed(invocation.invocableClone()))), context);
		}
		return new InContextMono(Mono.defer(() -> Mono.from(proceed(invocation.invocableClone()))), context);
	}

	@SuppressWarnings("unchecked")
	private Publisher<Object> proceed(MethodInvocation invocation) {
		Object returned;
		try {
			returned = invocation.proceed();
		}
		catch (Throwable ex) {
			return error(ex);
		}
		if (returned instanceof Publisher<?> publisher) {
			return (Publisher<Object>) publisher;
		}
		return error(new NullPointerException(
				"The annotated method " + ClassUtils.getQualifiedMethodName(invocation.getMethod()) + "() returned "
						+ ((returned != null) ? "a " + returned.getClass().getName() : "null") + " instead of a "
						+ (this.flux ? "Flux" : "Mono")));
	}

	/**
	 * The caller's context (MDC, Micrometer context), captured once per call and restored
	 * around each subscription to the method's publisher, wherever it happens (a permit
	 * granted later subscribes on the thread that grants it).
	 */
	private static final class CallerContext {

		/** Hands the subscription to the captured runnable, which runs it at once. */
		private static final ThreadLocal<@Nullable Runnable> TASK = new ThreadLocal<>();

		private final Runnable restored;

		CallerContext(AsyncUtils asyncUtils) {
			this.restored = asyncUtils.withCurrentContext(CallerContext::runTask);
		}

		void run(Runnable task) {
			Runnable previous = TASK.get();
			TASK.set(task);
			try {
				this.restored.run();
			}
			finally {
				TASK.set(previous);
			}
		}

		private static void runTask() {
			Runnable task = TASK.get();
			if (task != null) {
				task.run();
			}
		}

	}

	private static final class InContextMono extends MonoOperator<Object, Object> {

		private final CallerContext context;

		InContextMono(Mono<Object> source, CallerContext context) {
			super(source);
			this.context = context;
		}

		@Override
		public void subscribe(CoreSubscriber<? super Object> actual) {
			this.context.run(() -> this.source.subscribe(actual));
		}

	}

	private static final class InContextFlux extends FluxOperator<Object, Object> {

		private final CallerContext context;

		InContextFlux(Flux<Object> source, CallerContext context) {
			super(source);
			this.context = context;
		}

		@Override
		public void subscribe(CoreSubscriber<? super Object> actual) {
			this.context.run(() -> this.source.subscribe(actual));
		}

	}

}
