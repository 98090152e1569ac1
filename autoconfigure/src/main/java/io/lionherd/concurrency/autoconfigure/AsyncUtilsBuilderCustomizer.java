package io.lionherd.concurrency.autoconfigure;

import io.lionherd.concurrency.AsyncUtils;

/**
 * Customizes the builder of the auto-configured {@link AsyncUtils}, so that one setting
 * (the ticker, the wake-up executor, context propagation...) can change without replacing
 * the bean (which would also switch off the auto-configured executor). Beans of this type
 * are applied in order ({@link org.springframework.core.annotation.Order @Order} or
 * {@link org.springframework.core.Ordered}).
 */
@FunctionalInterface
public interface AsyncUtilsBuilderCustomizer {

	/**
	 * Customizes the builder.
	 * @param builder the builder, with the executor already set
	 */
	void customize(AsyncUtils.Builder builder);

}
