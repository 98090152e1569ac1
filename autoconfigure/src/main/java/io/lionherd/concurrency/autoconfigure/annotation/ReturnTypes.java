package io.lionherd.concurrency.autoconfigure.annotation;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.util.ClassUtils;

/**
 * Which return types lionherd's annotations can handle: {@code void}, a plain value (the
 * method's work is done when it returns) and a {@link CompletionStage} (its work is done
 * when the stage completes). Anything whose work starts or goes on after the method
 * returns in a way the interceptor cannot follow (a {@code Mono} or {@code Flux}, any
 * reactive-streams or {@link java.util.concurrent.Flow.Publisher}, a Kotlin {@code Flow},
 * {@code Deferred} or {@code suspend} function, a {@link Future} that is not a
 * {@link CompletionStage}, a {@link java.util.stream.Stream}) would be retried, limited
 * and timed as if it had succeeded at once, so it stops the startup instead.
 */
final class ReturnTypes {

	static final String SUPPORTED = "void, a plain value (the method's work is done when it returns), "
			+ "or CompletionStage / CompletableFuture";

	/**
	 * Lazy types looked up by name: they may not be on the class path (their reflection
	 * hints come from {@link Hints}).
	 */
	static final List<String> LAZY_TYPE_NAMES = List.of("org.reactivestreams.Publisher",
			"java.util.concurrent.Flow$Publisher", "kotlinx.coroutines.flow.Flow", "kotlinx.coroutines.Deferred",
			"java.util.stream.BaseStream");

	private static final String CONTINUATION = "kotlin.coroutines.Continuation";

	private ReturnTypes() {
	}

	/**
	 * Why the annotations cannot handle what {@code method} returns.
	 * @param method the annotated method, as declared by the bean's class
	 * @return what the return type is, or {@code null} when it is supported
	 */
	static @Nullable String unsupported(Method method) {
		Class<?> type = method.getReturnType();
		if (CompletionStage.class.isAssignableFrom(type)) {
			return null;
		}
		Class<?>[] parameters = method.getParameterTypes();
		if (parameters.length > 0 && parameters[parameters.length - 1].getName().equals(CONTINUATION)) {
			return "a Kotlin suspend function";
		}
		if (Future.class.isAssignableFrom(type)) {
			return "a Future that is not a CompletionStage (its work goes on after the method returns)";
		}
		if (ReactiveAdapterRegistry.getSharedInstance().getAdapter(type) != null || isLazy(type)) {
			return "a lazy type (its work happens after the method returns, when it is subscribed to or consumed)";
		}
		return null;
	}

	private static boolean isLazy(Class<?> type) {
		ClassLoader loader = type.getClassLoader();
		for (String name : LAZY_TYPE_NAMES) {
			Class<?> lazy = resolve(name, loader);
			if (lazy != null && lazy.isAssignableFrom(type)) {
				return true;
			}
		}
		return false;
	}

	private static @Nullable Class<?> resolve(String name, @Nullable ClassLoader loader) {
		try {
			return ClassUtils.forName(name, loader);
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return null;
		}
	}

	/**
	 * Lets a native image find the lazy types that are on its class path.
	 */
	static final class Hints implements RuntimeHintsRegistrar {

		@Override
		public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
			for (String name : LAZY_TYPE_NAMES) {
				hints.reflection().registerTypeIfPresent(classLoader, name);
			}
		}

	}

}
