package io.lionherd.concurrency.autoconfigure.annotation;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.core.MethodParameter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.util.ClassUtils;

/**
 * Which return types lionherd's annotations can handle: {@code void}, a plain value (the
 * method's work is done when it returns), a {@link CompletionStage} (its work is done
 * when the stage completes) and, with Reactor on the class path, a {@code Mono} or
 * {@code Flux} (its work is done by each subscription, which the annotations wrap), and a
 * Kotlin {@code suspend} function, which Spring AOP hands over as a {@code Mono} (or a
 * {@code Flux} for a {@code Flow}) when kotlinx-coroutines-reactor is on the class path.
 * Anything else whose work starts or goes on after the method returns in a way the
 * interceptor cannot follow (any other reactive-streams or
 * {@link java.util.concurrent.Flow.Publisher}, RxJava's types, a Kotlin {@code Flow} or
 * {@code Deferred}, a {@link Future} that is not a {@link CompletionStage}, a
 * {@link java.util.stream.Stream}) would be retried, limited and timed as if it had
 * succeeded at once, so it stops the startup instead.
 */
final class ReturnTypes {

	static final String SUPPORTED = "void, a plain value (the method's work is done when it returns), "
			+ "CompletionStage / CompletableFuture, or, with Reactor on the class path, Mono / Flux "
			+ "(and a Kotlin suspend function, with kotlinx-coroutines-reactor)";

	/**
	 * Lazy types looked up by name: they may not be on the class path (their reflection
	 * hints come from {@link Hints}).
	 */
	static final List<String> LAZY_TYPE_NAMES = List.of("org.reactivestreams.Publisher",
			"java.util.concurrent.Flow$Publisher", "kotlinx.coroutines.flow.Flow", "kotlinx.coroutines.Deferred",
			"java.util.stream.BaseStream");

	static final String MONO = "reactor.core.publisher.Mono";

	static final String FLUX = "reactor.core.publisher.Flux";

	/**
	 * What Spring AOP needs to hand a suspend function's result over as a {@code Mono}
	 * ({@code AopUtils.invokeJoinpointUsingReflection}); without it the interceptor sees
	 * a suspended call's marker.
	 */
	static final String COROUTINES_REACTOR = "kotlinx.coroutines.reactor.MonoKt";

	/** Looked up by name to tell whether the reactive return types are supported. */
	static final List<String> PRESENCE_NAMES = List.of(MONO, COROUTINES_REACTOR);

	private static final String CONTINUATION = "kotlin.coroutines.Continuation";

	private static final String KOTLIN_FLOW = "kotlinx.coroutines.flow.Flow";

	private ReturnTypes() {
	}

	/**
	 * How the interceptor handles what a method returns.
	 */
	enum Kind {

		/** {@code void} or a plain value: the work is done when the method returns. */
		PLAIN,

		/** A {@link CompletionStage}: the work is done when it completes. */
		STAGE,

		/** A {@code Mono} (or a suspend function's result): each subscription's. */
		MONO,

		/** A {@code Flux} (or a suspend function's {@code Flow}): each subscription's. */
		FLUX;

		boolean reactive() {
			return this == MONO || this == FLUX;
		}

	}

	/**
	 * How the interceptor handles what {@code method} returns, once {@link #unsupported}
	 * found it supported.
	 * @param method the annotated method, as declared by the bean's class
	 * @return its kind
	 */
	static Kind kind(Method method) {
		Class<?> type = method.getReturnType();
		if (CompletionStage.class.isAssignableFrom(type)) {
			return Kind.STAGE;
		}
		if (isSuspending(method)) {
			// as Spring AOP tells a Flow from a value (CglibAopProxy.processReturnType)
			return KOTLIN_FLOW.equals(new MethodParameter(method, -1).getParameterType().getName()) ? Kind.FLUX
					: Kind.MONO;
		}
		return switch (type.getName()) {
			case MONO -> Kind.MONO;
			case FLUX -> Kind.FLUX;
			default -> Kind.PLAIN;
		};
	}

	/**
	 * Why the annotations cannot handle what {@code method} returns.
	 * @param method the annotated method, as declared by the bean's class
	 * @param classLoader the application's class loader, which tells whether Reactor and
	 * kotlinx-coroutines-reactor are there
	 * @return what the return type is, or {@code null} when it is supported
	 */
	static @Nullable String unsupported(Method method, @Nullable ClassLoader classLoader) {
		Class<?> type = method.getReturnType();
		if (CompletionStage.class.isAssignableFrom(type)) {
			return null;
		}
		boolean reactor = ClassUtils.isPresent(MONO, classLoader);
		if (isSuspending(method)) {
			return (reactor && ClassUtils.isPresent(COROUTINES_REACTOR, classLoader)) ? null
					: "a Kotlin suspend function without Reactor and kotlinx-coroutines-reactor on the class path "
							+ "(with them Spring AOP hands its result over as a Mono)";
		}
		if (Future.class.isAssignableFrom(type)) {
			return "a Future that is not a CompletionStage (its work goes on after the method returns)";
		}
		if (type.getName().equals(MONO) || type.getName().equals(FLUX)) {
			return reactor ? null : "a Reactor type without Reactor on the application's class path";
		}
		if (ReactiveAdapterRegistry.getSharedInstance().getAdapter(type) != null || isLazy(type)) {
			return "a lazy type (its work happens after the method returns, when it is subscribed to or consumed) "
					+ "that is neither declared as a Mono nor as a Flux";
		}
		return null;
	}

	private static boolean isSuspending(Method method) {
		Class<?>[] parameters = method.getParameterTypes();
		return parameters.length > 0 && parameters[parameters.length - 1].getName().equals(CONTINUATION);
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
	 * Lets a native image find the lazy types, Reactor and kotlinx-coroutines-reactor
	 * when they are on its class path.
	 */
	static final class Hints implements RuntimeHintsRegistrar {

		@Override
		public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
			for (String name : LAZY_TYPE_NAMES) {
				hints.reflection().registerTypeIfPresent(classLoader, name);
			}
			for (String name : PRESENCE_NAMES) {
				hints.reflection().registerTypeIfPresent(classLoader, name);
			}
		}

	}

}
