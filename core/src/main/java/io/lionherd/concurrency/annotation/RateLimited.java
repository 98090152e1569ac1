package io.lionherd.concurrency.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the method only after a permit of the named rate limiter (one of
 * {@code lionherd.concurrency.rate-limiters.<name>}, held by the
 * {@code RateLimiterRegistry}), so a whole service can be limited without touching its
 * code.
 * <p>
 * A method returning {@code CompletionStage} or {@code CompletableFuture} returns at
 * once, and is invoked when the permit is granted: no thread waits for the permit. Its
 * future fails with {@code RateLimitExceededException} if none comes within the timeout.
 * Any other method blocks its caller up to the timeout, then throws
 * {@code RateLimitExceededException}; both carry the limiter's name.
 * <p>
 * On a class, it applies to every public method. Processed by the Spring Boot starter on
 * Spring beans through a proxy, as {@code @Async} is: a call from the bean to itself is
 * not limited. With {@link Monitored @Monitored} and {@code @Retry} on the same method
 * the monitor sees the whole call and each retry attempt takes its own permit. An unknown
 * limiter name stops the application's startup.
 *
 * <pre>{@code
 * &#64;RateLimited("github")
 * public CompletableFuture<Repo> repository(String name) { ... }
 * }</pre>
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RateLimited {

	/**
	 * The name of the rate limiter, as configured under
	 * {@code lionherd.concurrency.rate-limiters}; {@code ${...}} placeholders are
	 * resolved.
	 * @return the limiter name
	 */
	String value();

	/**
	 * How long to wait for a permit, as a duration string ({@code 500ms}, {@code 2s},
	 * {@code PT2S}); {@code 0} means do not wait. Empty: the limiter's own
	 * {@code timeout} (no limit when it has none).
	 * @return the timeout, or empty for the limiter's
	 */
	String timeout() default "";

	/**
	 * How many permits a call asks for: a SpEL expression over the method's arguments, as
	 * {@code @Cacheable}'s {@code key} (by parameter name, {@code #tokens},
	 * {@code #request.maxTokens}, or by position, {@code #p0} / {@code #a0}), parsed once
	 * and evaluated on every call (once per call, whatever the retries). It must yield a
	 * positive whole number (an integral {@code Number}, or a {@code String} of decimal
	 * digits) no larger than any permits-limit's {@code max}; otherwise the call fails,
	 * without running, with an {@code IllegalArgumentException} naming the method and the
	 * expression (thrown, or as the failure of the future of a method returning a
	 * {@code CompletionStage}). A calls-limit of the limiter counts the call once,
	 * whatever its permits. An unparsable expression stops the application's startup.
	 * Empty: 1 permit per call, with nothing evaluated. <pre>{@code
	 * &#64;RateLimited(value = "openai", permits = "#request.maxTokens")
	 * public Completion complete(CompletionRequest request) { ... }
	 * }</pre>
	 * @return the expression, or empty for 1 permit
	 */
	String permits() default "";

	/**
	 * The client whose own limit the call counts against: a SpEL expression over the
	 * method's arguments, as {@link #permits()} (by parameter name, {@code #user.id},
	 * {@code #apiKey}, or by position, {@code #p0} / {@code #a0}), parsed once and
	 * evaluated once per call, before any retry. The call then takes its permits from
	 * {@code RateLimiterRegistry.get(name, key)}: the limiter of that key under the named
	 * limiter's definition (its limits, timeout and backend), with its own windows, so
	 * each key gets the whole limit. The key is the {@code toString()} of the value (a
	 * {@code String} or other {@code CharSequence}, a {@code Number}, a {@code UUID}, an
	 * enum constant...): values whose strings are equal share one limit. A {@code null}
	 * or empty result (or an expression that fails) fails the call, without running, with
	 * an {@code IllegalArgumentException} naming the method and the expression (thrown,
	 * or as the failure of the future of a method returning a {@code CompletionStage}). A
	 * key beyond the limiter's {@code max-keys} live keys is refused as an exhausted
	 * limit is ({@code RateLimitExceededException}). An unparsable expression stops the
	 * application's startup. Empty: not keyed, every call shares the named limiter.
	 * <pre>{@code
	 * &#64;RateLimited(value = "per-user", key = "#user.id")
	 * public Profile profile(User user) { ... }
	 * }</pre>
	 * @return the expression, or empty for the named limiter itself
	 */
	String key() default "";

}
