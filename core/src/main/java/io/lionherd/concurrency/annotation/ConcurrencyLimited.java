package io.lionherd.concurrency.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the method holding a permit of the named concurrency limit (one of
 * {@code lionherd.concurrency.capacity-limiters.<name>}, held by the
 * {@code ConcurrencyLimitRegistry}), so that at most its {@code total} calls run at once,
 * in this instance or, with {@code backend: redis}, in every instance together.
 * <p>
 * A blocking method holds its permit for the call: its caller waits for one up to the
 * timeout, then gets {@code ConcurrencyLimitExceededException}. A method returning
 * {@code CompletionStage} or {@code CompletableFuture} returns at once, is invoked when
 * its permit is granted (no thread waits) and releases it when its stage completes,
 * however it completes.
 * <p>
 * On a class, it applies to every public method. Processed by the Spring Boot starter on
 * Spring beans through a proxy: a call from the bean to itself is not limited. With the
 * other annotations on one method they nest as {@code @Monitored} ( {@code @Retry} (
 * {@code @RateLimited} ( {@code @ConcurrencyLimited} ( method ) ) ) ): a permit is held
 * only while the call runs, never while it waits for a rate-limit permit or between retry
 * attempts. An unknown limit name stops the application's startup.
 *
 * <pre>{@code
 * &#64;ConcurrencyLimited("provider")
 * public CompletableFuture<Reply> send(Request request) { ... }
 * }</pre>
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ConcurrencyLimited {

	/**
	 * The name of the concurrency limit, as configured under
	 * {@code lionherd.concurrency.capacity-limiters}; {@code ${...}} placeholders are
	 * resolved.
	 * @return the limit's name
	 */
	String value();

	/**
	 * How long to wait for a permit, as a duration string ({@code 500ms}, {@code 2s},
	 * {@code PT2S}); {@code 0} means do not wait. Empty: the limit's own {@code timeout}
	 * (no limit when it has none).
	 * @return the timeout, or empty for the limit's
	 */
	String timeout() default "";

}
