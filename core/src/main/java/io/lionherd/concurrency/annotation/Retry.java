package io.lionherd.concurrency.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Retries the method with the named retry policy (one of
 * {@code lionherd.concurrency.retries.<name>}: attempts, exponential backoff with jitter,
 * the failures retried), so a flaky call is retried without touching its code. It is
 * lionherd's deadline-aware {@code retry}: a wait that would end after the caller's
 * deadline is not started, and the call fails with the last failure instead.
 * <p>
 * A method returning {@code CompletionStage} or {@code CompletableFuture} is retried
 * without blocking: it returns at once, its attempts are started when the waits end (on
 * the timer, holding no thread), and its future fails with the last attempt's failure.
 * Any other method is retried on its caller's thread, which waits between attempts, and
 * throws the last failure itself, not wrapped.
 * <p>
 * On a class, it applies to every public method. Processed by the Spring Boot starter on
 * Spring beans through a proxy: a call from the bean to itself is not retried. With
 * {@link Monitored @Monitored} and {@link RateLimited @RateLimited} on the same method
 * they nest as {@code @Monitored} ( {@code @Retry} ( {@code @RateLimited} ( method ) ) ):
 * the monitor records the whole call once, and each attempt takes its own permit. Every
 * call is counted in {@code lionherd.retry.calls}, tagged with the policy name. An
 * unknown policy name stops the application's startup.
 *
 * <pre>{@code
 * &#64;Retry("inventory")
 * public CompletableFuture<Stock> stock(String sku) { ... }
 * }</pre>
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Retry {

	/**
	 * The name of the retry policy, as configured under
	 * {@code lionherd.concurrency.retries}; {@code ${...}} placeholders are resolved.
	 * @return the policy name
	 */
	String value();

}
