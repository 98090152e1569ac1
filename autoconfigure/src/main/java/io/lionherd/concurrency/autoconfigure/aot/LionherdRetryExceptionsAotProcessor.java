package io.lionherd.concurrency.autoconfigure.aot;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.ReflectionHints;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * The exception classes that retry policies name ({@code lionherd.concurrency.retries.*}
 * {@code .retry-on} and {@code .exclude}) are loaded by name when the policies are
 * validated at startup: in a native image only the classes registered for reflection can
 * be, so those the build-time configuration names are registered. A policy configured
 * only at run time (another profile, an environment variable) names classes no build saw;
 * they must be registered by the application.
 */
final class LionherdRetryExceptionsAotProcessor implements BeanFactoryInitializationAotProcessor {

	static final String RETRIES = "lionherd.concurrency.retries";

	@Override
	public @Nullable BeanFactoryInitializationAotContribution processAheadOfTime(
			ConfigurableListableBeanFactory beanFactory) {
		if (!beanFactory.containsBean(ConfigurableApplicationContext.ENVIRONMENT_BEAN_NAME)) {
			return null;
		}
		Environment environment = beanFactory.getBean(ConfigurableApplicationContext.ENVIRONMENT_BEAN_NAME,
				Environment.class);
		Map<String, ExceptionNames> policies = Binder.get(environment)
			.bind(RETRIES, Bindable.mapOf(String.class, ExceptionNames.class))
			.orElse(Map.of());
		if (policies.isEmpty()) {
			return null;
		}
		ClassLoader classLoader = beanFactory.getBeanClassLoader();
		return (generationContext, code) -> {
			ReflectionHints reflection = generationContext.getRuntimeHints().reflection();
			for (ExceptionNames policy : policies.values()) {
				for (String name : policy.all()) {
					if (!name.isBlank()) {
						reflection.registerTypeIfPresent(classLoader, name.trim());
					}
				}
			}
		};
	}

	/**
	 * The part of a retry policy's properties that names classes.
	 *
	 * @param retryOn the classes retried
	 * @param exclude the classes never retried
	 */
	record ExceptionNames(@DefaultValue List<String> retryOn, @DefaultValue List<String> exclude) {

		List<String> all() {
			return Stream.concat(this.retryOn.stream(), this.exclude.stream()).toList();
		}

	}

}
