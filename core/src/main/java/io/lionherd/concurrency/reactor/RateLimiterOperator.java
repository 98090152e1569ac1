package io.lionherd.concurrency.reactor;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.ratelimit.RateLimitExceededException;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;
import reactor.core.publisher.Operators;

/**
 * Puts a {@code Mono} or {@code Flux} behind a {@link RateLimiter}'s permits: <pre>{@code
 * Mono<Quote> quote = client.quote(symbol).transformDeferred(RateLimiterOperator.of(limiter));
 * }</pre> Each subscription asks for its permits before it subscribes upstream, with
 * {@code acquire} (waiting up to the limiter's {@code config().timeout()}, or the
 * operator's own timeout); nothing upstream happens until they are granted. No thread is
 * held while it waits: a permit granted later subscribes upstream on the thread that
 * grants it (the limiter's wake-up thread, or the Redis client's), as
 * {@link RateLimiter#executeCompletionStage} calls its supplier. Cancelling the
 * subscription while it waits gives its place in the queue up and charges nothing. A
 * permit that does not come in time is a {@link RateLimitExceededException} error signal
 * (its cause the timeout); the limiter's own failure (such as a
 * {@code RateLimiterBackendException}) is signalled as it is, and the upstream's signals
 * pass through unchanged.
 * <p>
 * A {@code Flux} takes its permits once per subscription, not per element: to limit
 * elements, apply the operator to a publisher made per element, such as
 * {@code flux.concatMap((item) -> call(item).transformDeferred(operator))}. A
 * {@code Mono} gives a {@code Mono}, any other {@link Publisher} a {@code Flux}.
 *
 * @param <T> the element type
 */
public final class RateLimiterOperator<T> implements UnaryOperator<Publisher<T>> {

	/**
	 * The call behind the permit: none, the operator subscribes upstream itself. One
	 * completed future for all: a cancel or completion of a completed future does
	 * nothing.
	 */
	private static final CompletableFuture<Object> NOTHING = CompletableFuture.completedFuture(null);

	private static final Supplier<CompletionStage<Object>> GRANTED = () -> NOTHING;

	private final RateLimiter limiter;

	private final long permits;

	private final @Nullable Duration timeout;

	private RateLimiterOperator(RateLimiter limiter, long permits, @Nullable Duration timeout) {
		this.limiter = limiter;
		this.permits = permits;
		this.timeout = timeout;
	}

	/**
	 * One permit per subscription.
	 * @param limiter the limiter
	 * @param <T> the element type
	 * @return the operator
	 */
	public static <T> RateLimiterOperator<T> of(RateLimiter limiter) {
		return of(limiter, 1);
	}

	/**
	 * {@code permits} per subscription: a weighted call, such as one that spends tokens
	 * of a provider's quota.
	 * @param limiter the limiter
	 * @param permits how many permits each subscription takes, at least 1 and at most the
	 * {@code max} of every permits-limit (a calls-limit counts the subscription once)
	 * @param <T> the element type
	 * @return the operator
	 * @throws IllegalArgumentException if {@code permits} could never be granted
	 */
	public static <T> RateLimiterOperator<T> of(RateLimiter limiter, long permits) {
		return of(limiter, permits, null);
	}

	/**
	 * {@code permits} per subscription, waiting up to {@code timeout} (as
	 * {@code @RateLimited(timeout = ...)} asks): zero refuses at once when the permits
	 * are not there.
	 * @param limiter the limiter
	 * @param permits how many permits each subscription takes, at least 1 and at most the
	 * {@code max} of every permits-limit (a calls-limit counts the subscription once)
	 * @param timeout how long each subscription waits at most, zero (do not wait) or
	 * more; {@code null} for the limiter's {@code config().timeout()}
	 * @param <T> the element type
	 * @return the operator
	 * @throws IllegalArgumentException if {@code permits} could never be granted or
	 * {@code timeout} is negative
	 */
	public static <T> RateLimiterOperator<T> of(RateLimiter limiter, long permits, @Nullable Duration timeout) {
		Checks.notNull(limiter, "limiter");
		limiter.config().checkPermits(permits);
		if (timeout != null && timeout.isNegative()) {
			throw new IllegalArgumentException(
					"timeout must be zero (do not wait) or more, or null for the limiter's own, but was " + timeout);
		}
		return new RateLimiterOperator<>(limiter, permits, timeout);
	}

	@Override
	public Publisher<T> apply(Publisher<T> publisher) {
		Checks.notNull(publisher, "publisher");
		if (publisher instanceof Mono<T> mono) {
			return new MonoRateLimited<>(mono, this);
		}
		return new FluxRateLimited<>(Flux.from(publisher), this);
	}

	/**
	 * Asks for the permits through {@code executeCompletionStage}, so that a permit that
	 * did not come in time is the core's {@link RateLimitExceededException} and a cancel
	 * of the result gives the place up.
	 */
	CompletableFuture<Object> acquire() {
		return this.limiter.executeCompletionStage(this.permits, this.timeout, UnaryOperator.identity(), GRANTED);
	}

	/** Whether the permits are granted now: upstream is subscribed at once. */
	private static boolean granted(CompletableFuture<?> permit) {
		return permit.isDone() && !permit.isCompletedExceptionally();
	}

	@Override
	public String toString() {
		return "RateLimiterOperator[" + this.limiter.name() + ", permits=" + this.permits
				+ ((this.timeout != null) ? ", timeout=" + this.timeout : "") + "]";
	}

	private static final class MonoRateLimited<T> extends MonoOperator<T, T> {

		private final RateLimiterOperator<T> operator;

		MonoRateLimited(Mono<? extends T> source, RateLimiterOperator<T> operator) {
			super(source);
			this.operator = operator;
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			CompletableFuture<Object> permit;
			try {
				permit = this.operator.acquire();
			}
			catch (Throwable ex) {
				Operators.error(actual, Operators.onOperatorError(ex, actual.currentContext()));
				return;
			}
			if (granted(permit)) {
				this.source.subscribe(actual);
			}
			else {
				// suppressCancel false: a cancel while waiting cancels the acquire.
				Mono.fromFuture(permit, false).then(this.source).subscribe(actual);
			}
		}

	}

	private static final class FluxRateLimited<T> extends FluxOperator<T, T> {

		private final RateLimiterOperator<T> operator;

		FluxRateLimited(Flux<? extends T> source, RateLimiterOperator<T> operator) {
			super(source);
			this.operator = operator;
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			CompletableFuture<Object> permit;
			try {
				permit = this.operator.acquire();
			}
			catch (Throwable ex) {
				Operators.error(actual, Operators.onOperatorError(ex, actual.currentContext()));
				return;
			}
			if (granted(permit)) {
				this.source.subscribe(actual);
			}
			else {
				Mono.fromFuture(permit, false).thenMany(this.source).subscribe(actual);
			}
		}

	}

}
