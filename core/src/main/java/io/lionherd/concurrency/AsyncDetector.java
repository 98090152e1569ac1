package io.lionherd.concurrency;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

import io.lionherd.concurrency.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * Answers {@code isAsync}. What a class is (async, plain, or a wrapper to look through)
 * is worked out once per class and kept in a {@link ClassValue}, which holds no strong
 * reference to the class: redeployed class loaders can still be collected.
 */
final class AsyncDetector {

	private static final int MAX_UNWRAP_DEPTH = 32;

	private static final String SPRING_PROXY = "org.springframework.aop.SpringProxy";

	private static final String REACTIVE_STREAMS_PUBLISHER = "org.reactivestreams.Publisher";

	private static final String KOTLIN_CONTINUATION = "kotlin.coroutines.Continuation";

	private enum Kind {

		ASYNC, SYNC, WRAPPER

	}

	private static final ClassValue<Kind> KINDS = new ClassValue<>() {
		@Override
		protected Kind computeValue(Class<?> type) {
			return classify(type);
		}
	};

	private final UnaryOperator<@Nullable Object> targetResolver;

	/**
	 * @param targetResolver returns the object a framework proxy stands for, or
	 * {@code null} when it cannot tell (Spring AOP's
	 * {@code AopProxyUtils::getSingletonTarget} for example)
	 */
	AsyncDetector(UnaryOperator<@Nullable Object> targetResolver) {
		this.targetResolver = targetResolver;
	}

	boolean isAsync(@Nullable Object callable) {
		Object current = callable;
		for (int depth = 0; current != null && depth < MAX_UNWRAP_DEPTH; depth++) {
			if (current instanceof Method method) {
				return isAsync(method);
			}
			Kind kind = KINDS.get(current.getClass());
			if (kind != Kind.WRAPPER) {
				return kind == Kind.ASYNC;
			}
			current = targetOf(current);
		}
		return false;
	}

	private @Nullable Object targetOf(Object wrapper) {
		if (wrapper instanceof Delegating delegating) {
			return delegating.delegate();
		}
		Object target = this.targetResolver.apply(wrapper);
		if (target != null && target != wrapper) {
			return target;
		}
		// A JDK proxy stands for a target only if its handler says
		// which (a plain handler is not the target, and judging the
		// handler's own class would answer for the wrong object).
		if (Proxy.isProxyClass(wrapper.getClass())
				&& Proxy.getInvocationHandler(wrapper) instanceof Delegating delegating) {
			return delegating.delegate();
		}
		return null;
	}

	static boolean isAsync(Method method) {
		Checks.notNull(method, "method");
		if (isAsyncType(method.getReturnType())) {
			return true;
		}
		Class<?>[] parameters = method.getParameterTypes();
		return parameters.length > 0 && parameters[parameters.length - 1].getName().equals(KOTLIN_CONTINUATION);
	}

	private static boolean isAsyncType(Class<?> type) {
		return CompletionStage.class.isAssignableFrom(type) || Future.class.isAssignableFrom(type)
				|| Flow.Publisher.class.isAssignableFrom(type) || implementsNamed(type, REACTIVE_STREAMS_PUBLISHER);
	}

	private static Kind classify(Class<?> type) {
		if (AsyncCallable.class.isAssignableFrom(type) || hasAsyncFunctionalMethod(type)) {
			return Kind.ASYNC;
		}
		if (Delegating.class.isAssignableFrom(type) || Proxy.isProxyClass(type)
				|| implementsNamed(type, SPRING_PROXY)) {
			return Kind.WRAPPER;
		}
		return Kind.SYNC;
	}

	/**
	 * Whether {@code type} implements a functional interface whose single abstract method
	 * returns an async type, e.g. {@code interface Fetcher { CompletableFuture<String>
	 * fetch(); }}. {@code Callable}, {@code Supplier} and {@code Function} return
	 * {@code Object}: not async.
	 */
	private static boolean hasAsyncFunctionalMethod(Class<?> type) {
		for (Class<?> current = type; current != null; current = current.getSuperclass()) {
			for (Class<?> candidate : current.getInterfaces()) {
				Method method = singleAbstractMethod(candidate);
				if (method != null && isAsync(method)) {
					return true;
				}
			}
		}
		return false;
	}

	private static @Nullable Method singleAbstractMethod(Class<?> type) {
		Method found = null;
		for (Method method : type.getMethods()) {
			if (Modifier.isAbstract(method.getModifiers()) && !isObjectMethod(method)) {
				if (found != null) {
					return null;
				}
				found = method;
			}
		}
		return found;
	}

	private static boolean isObjectMethod(Method method) {
		try {
			Object.class.getMethod(method.getName(), method.getParameterTypes());
			return true;
		}
		catch (NoSuchMethodException ex) {
			return false;
		}
	}

	/**
	 * Looks for an interface by name, so optional libraries need not be on the class
	 * path.
	 */
	private static boolean implementsNamed(Class<?> type, String interfaceName) {
		for (Class<?> current = type; current != null; current = current.getSuperclass()) {
			if (current.getName().equals(interfaceName)) {
				return true;
			}
			for (Class<?> candidate : current.getInterfaces()) {
				if (implementsNamed(candidate, interfaceName)) {
					return true;
				}
			}
		}
		return false;
	}

}
