package io.lionherd.concurrency.autoconfigure.annotation;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.util.ClassUtils;

/**
 * A step of an intercepted call as the core's decorators take it: a {@link Callable}, or
 * a stage. A proxied method may throw any {@link Throwable}; one that is neither an
 * {@link Exception} nor an {@link Error} travels wrapped in an
 * {@link UndeclaredThrowable}, which the interceptor unwraps.
 */
final class Invocations {

	private Invocations() {
	}

	/** A step as a {@link Callable}: a checked {@link Throwable} travels wrapped. */
	static @Nullable Object call(Step step, MethodInvocation invocation) throws Exception {
		try {
			return step.proceed(invocation);
		}
		catch (Exception | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new UndeclaredThrowable(ex);
		}
	}

	/** A step of a method returning a stage: what it throws fails the stage. */
	@SuppressWarnings("unchecked")
	static CompletionStage<Object> stage(Step step, MethodInvocation invocation) {
		Object returned;
		try {
			returned = step.proceed(invocation);
		}
		catch (Throwable ex) {
			return CompletableFuture.failedFuture(ex);
		}
		if (returned instanceof CompletionStage<?> stage) {
			return (CompletionStage<Object>) stage;
		}
		return CompletableFuture.failedFuture(new NullPointerException(
				"The annotated method " + ClassUtils.getQualifiedMethodName(invocation.getMethod())
						+ "() returned null instead of a CompletionStage"));
	}

	/** The invocation, which {@code @Retry} copies for each attempt. */
	static ProxyMethodInvocation proxied(MethodInvocation invocation) {
		return proxied(invocation, "@Retry");
	}

	/**
	 * The invocation, which {@code needer} copies for each attempt or subscription.
	 */
	static ProxyMethodInvocation proxied(MethodInvocation invocation, String needer) {
		if (invocation instanceof ProxyMethodInvocation proxied) {
			return proxied;
		}
		throw new IllegalStateException(needer + " needs a ProxyMethodInvocation to call "
				+ ClassUtils.getQualifiedMethodName(invocation.getMethod()) + "() again, not "
				+ invocation.getClass().getName());
	}

	/** One step of the call: the method itself, or the steps inside an annotation's. */
	@FunctionalInterface
	interface Step {

		@Nullable Object proceed(MethodInvocation invocation) throws Throwable;

	}

	/** A {@link Throwable} that is neither an {@link Exception} nor an {@link Error}. */
	@SuppressWarnings("serial")
	static final class UndeclaredThrowable extends Exception {

		UndeclaredThrowable(Throwable cause) {
			super(cause);
		}

	}

}
