package io.lionherd.concurrency.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Records every call of the method with the performance monitor: the
 * {@code lionherd.monitor} timer tagged with this name, {@code type} ({@code async} for a
 * method returning a {@code CompletionStage}, measured until its stage completes;
 * {@code sync} otherwise, measured on the caller's thread), {@code outcome} and
 * {@code exception}. Results and exceptions pass through unchanged.
 * <p>
 * On a class, it applies to every public method. Processed by the Spring Boot starter on
 * Spring beans through a proxy: a call from the bean to itself is not monitored. With
 * {@code @Retry} and {@link RateLimited @RateLimited} on the same method the monitor sees
 * the whole call: every attempt and every wait for a permit.
 *
 * <pre>{@code
 * &#64;Monitored("quote")
 * public CompletableFuture<Quote> quote() { ... }
 * }</pre>
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Monitored {

	/**
	 * The monitor name, one of a small fixed set (it becomes the {@code name} tag).
	 * @return the monitor name
	 */
	String value();

}
