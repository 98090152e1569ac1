package io.lionherd.concurrency.autoconfigure.annotation;

import java.util.Collection;
import java.util.Map;

import io.lionherd.concurrency.RetryPolicy;

/**
 * What the names in lionherd's annotations refer to beyond the beans: the retry policies
 * that {@code @Retry} names, and where a missing one or a missing rate limiter is
 * configured. Read once per annotated method, while its bean is created.
 */
public interface AnnotationSettings {

	/**
	 * The retry policies {@code @Retry} may name.
	 * @return the policies by name
	 */
	Map<String, RetryPolicy> retryPolicies();

	/**
	 * Where to configure an entry that an annotation names and that is missing, for the
	 * message that stops the startup.
	 * @param map the kind of entry: {@code "rate-limiters"}, {@code "capacity-limiters"}
	 * or {@code "retries"}
	 * @param name the missing entry's name
	 * @param known the names configured
	 * @return a hint such as
	 * {@code configure it under lionherd.concurrency.retries.payments}
	 */
	String configureHint(String map, String name, Collection<String> known);

}
