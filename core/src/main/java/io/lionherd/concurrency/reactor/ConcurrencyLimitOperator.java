package io.lionherd.concurrency.reactor;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitExceededException;
import io.lionherd.concurrency.internal.Checks;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Holds a {@link ConcurrencyLimit}'s permit for each subscription to a {@code Mono} or
 * {@code Flux}, from before it subscribes upstream until its terminal signal or its
 * cancel: <pre>{@code
 * Flux<Chunk> reply = client.stream(prompt).transformDeferred(ConcurrencyLimitOperator.of(limit));
 * }</pre> Each subscription asks for a permit with {@code acquire}, waiting up to the
 * limit's {@code config().timeout()} (or the operator's own timeout); nothing upstream
 * happens until it is granted, and no thread is held while it waits: a permit granted
 * later subscribes upstream on the thread that released one. Cancelling the subscription
 * while it waits gives its place up and takes nothing. The permit is released exactly
 * once, before the terminal signal is passed on (so that a subscriber reacting to it
 * finds the permit free again), or on cancel. A permit that does not come in time is a
 * {@link ConcurrencyLimitExceededException} error signal; the upstream's signals pass
 * through unchanged. A {@code Mono} gives a {@code Mono}, any other {@link Publisher} a
 * {@code Flux}.
 *
 * @param <T> the element type
 */
public final class ConcurrencyLimitOperator<T> implements UnaryOperator<Publisher<T>> {

	private final ConcurrencyLimit limit;

	private final @Nullable Duration timeout;

	private ConcurrencyLimitOperator(ConcurrencyLimit limit, @Nullable Duration timeout) {
		this.limit = limit;
		this.timeout = timeout;
	}

	/**
	 * One permit per subscription, waiting up to the limit's configured timeout.
	 * @param limit the limit
	 * @param <T> the element type
	 * @return the operator
	 */
	public static <T> ConcurrencyLimitOperator<T> of(ConcurrencyLimit limit) {
		return new ConcurrencyLimitOperator<>(Checks.notNull(limit, "limit"), null);
	}

	/**
	 * One permit per subscription, waiting up to {@code timeout}.
	 * @param limit the limit
	 * @param timeout how long to wait at most, zero (do not wait) or more; {@code null}
	 * for the limit's configured timeout
	 * @param <T> the element type
	 * @return the operator
	 * @throws IllegalArgumentException if {@code timeout} is negative
	 */
	public static <T> ConcurrencyLimitOperator<T> of(ConcurrencyLimit limit, @Nullable Duration timeout) {
		Checks.notNull(limit, "limit");
		if (timeout != null && timeout.isNegative()) {
			throw new IllegalArgumentException(
					"timeout must be zero (do not wait) or more, or null for the limit's own, but was " + timeout);
		}
		return new ConcurrencyLimitOperator<>(limit, timeout);
	}

	@Override
	public Publisher<T> apply(Publisher<T> publisher) {
		Checks.notNull(publisher, "publisher");
		if (publisher instanceof Mono<T> mono) {
			return Mono.usingWhen(permit(), (permit) -> mono, ConcurrencyLimitOperator::release,
					(permit, error) -> release(permit), ConcurrencyLimitOperator::release);
		}
		Flux<T> flux = Flux.from(publisher);
		return Flux.usingWhen(permit(), (permit) -> flux, ConcurrencyLimitOperator::release,
				(permit, error) -> release(permit), ConcurrencyLimitOperator::release);
	}

	/**
	 * A subscription's permit. A cancel while it waits cancels the acquire; should the
	 * permit have been granted at that very moment, it is closed instead of used.
	 */
	private Mono<CapacityLimiter.Permit> permit() {
		return Mono.defer(() -> {
			Duration wait = this.timeout;
			CompletableFuture<CapacityLimiter.Permit> permit = (wait != null) ? this.limit.acquire(wait)
					: this.limit.acquire();
			return Mono.fromFuture(permit, false).doOnCancel(() -> permit.thenAccept(CapacityLimiter.Permit::close));
		});
	}

	private static Mono<Void> release(CapacityLimiter.Permit permit) {
		return Mono.fromRunnable(permit::close);
	}

	@Override
	public String toString() {
		return "ConcurrencyLimitOperator[" + this.limit.name()
				+ ((this.timeout != null) ? ", timeout=" + this.timeout : "") + "]";
	}

}
