package io.lionherd.concurrency.autoconfigure.aot;

import java.util.List;

import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.boot.context.properties.bind.BindableRuntimeHintsRegistrar;

/**
 * What lionherd-concurrency reads by reflection or as a resource, for every application
 * using it: the Redis limiter's Lua script, the {@code lionherd.concurrency.*} property
 * classes (bound by reflection), and the classes looked up by name at run time.
 */
final class LionherdRuntimeHints implements RuntimeHintsRegistrar {

	/**
	 * The sliding-window script of the Redis limiter, read from the class path at startup
	 * ({@code WindowScript}, beside its class in the redis module).
	 */
	static final String SLIDING_WINDOW_SCRIPT = "io/lionherd/concurrency/ratelimit/redis/sliding-window.lua";

	/**
	 * Looked up by name, with {@code Class.forName}: the optional context-propagation
	 * library (whether to capture its context on {@code runSync}), and the lazy return
	 * types an annotated method may not have (they may not be on the class path).
	 */
	static final List<String> TYPES_LOOKED_UP_BY_NAME = List.of("io.micrometer.context.ContextSnapshotFactory",
			"org.reactivestreams.Publisher", "java.util.concurrent.Flow$Publisher", "kotlinx.coroutines.flow.Flow",
			"kotlinx.coroutines.Deferred", "java.util.stream.BaseStream", "kotlin.coroutines.Continuation");

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		hints.resources().registerPattern(SLIDING_WINDOW_SCRIPT);
		BindableRuntimeHintsRegistrar.forTypes(LionherdConcurrencyProperties.class).registerHints(hints, classLoader);
		for (String name : TYPES_LOOKED_UP_BY_NAME) {
			hints.reflection().registerTypeIfPresent(classLoader, name);
		}
	}

}
