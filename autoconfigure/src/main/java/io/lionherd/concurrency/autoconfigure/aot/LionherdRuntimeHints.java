package io.lionherd.concurrency.autoconfigure.aot;

import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.boot.context.properties.bind.BindableRuntimeHintsRegistrar;

/**
 * What lionherd-concurrency reads by reflection or as a resource, for every application
 * using it: the Redis limiters' Lua scripts, the {@code lionherd.concurrency.*} property
 * classes (bound by reflection), and the context-propagation class looked up by name.
 */
final class LionherdRuntimeHints implements RuntimeHintsRegistrar {

	/**
	 * The sliding-window script of the Redis limiter, read from the class path at startup
	 * ({@code WindowScript}, beside its class in the redis module).
	 */
	static final String SLIDING_WINDOW_SCRIPT = "io/lionherd/concurrency/ratelimit/redis/sliding-window.lua";

	/**
	 * The scripts of the Redis concurrency limits ({@code acquire.lua},
	 * {@code release.lua}, {@code renew.lua}), read from the class path when their class
	 * loads ({@code HolderScripts}, beside it in the redis module).
	 */
	static final String CAPACITY_SCRIPTS = "io/lionherd/concurrency/capacity/redis/*.lua";

	/**
	 * Looked up by name, with {@code Class.forName}: the optional context-propagation
	 * library (whether to capture its context on {@code runSync}). The lazy return types
	 * the annotations look up have their hints beside them, in {@code ReturnTypes}.
	 */
	static final String CONTEXT_SNAPSHOT_FACTORY = "io.micrometer.context.ContextSnapshotFactory";

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		hints.resources().registerPattern(SLIDING_WINDOW_SCRIPT);
		hints.resources().registerPattern(CAPACITY_SCRIPTS);
		BindableRuntimeHintsRegistrar.forTypes(LionherdConcurrencyProperties.class).registerHints(hints, classLoader);
		hints.reflection().registerTypeIfPresent(classLoader, CONTEXT_SNAPSHOT_FACTORY);
	}

}
