package io.lionherd.concurrency.reactor;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

import io.lionherd.concurrency.RetryPolicy;
import io.lionherd.concurrency.RetryRecorder;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.Guard;
import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Signal;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Retries a {@code Mono} or {@code Flux} as {@link RetryPolicy} says, by resubscribing:
 * <pre>{@code
 * Mono<Quote> quote = client.quote(symbol)
 *     .transformDeferred(RetryOperator.of(RetryPolicy.builder().maxAttempts(3).build()));
 * }</pre> Each attempt is a subscription to the upstream,
 * {@link RetryPolicy#maxAttempts()} of them at most; after a failure the policy
 * {@linkplain RetryPolicy#retries retries}, the next one waits
 * {@link RetryPolicy#backoff} on {@link Schedulers#parallel()} (Reactor's timer, holding
 * no thread, so virtual time drives it in tests). The last failure is signalled as it is,
 * not wrapped: a failure the policy does not retry at once, else the last attempt's.
 * <p>
 * Deadline: the {@code AsyncUtils} deadline scope ({@code failAfter},
 * {@code moveOnAfter}...) current on the thread that <em>subscribes</em> is the enclosing
 * scope of every attempt (with {@code transformDeferred} that is also the thread that
 * assembles). As {@code AsyncUtils.retry} does, no wait ends after its deadline: a retry
 * whose wait would, fails at once with the last failure, and no attempt starts once the
 * scope no longer admits work. Attempts are subscribed with that scope current, so what
 * they start through the library belongs to it.
 * <p>
 * A {@code Flux} is resubscribed from its start: elements an attempt emitted before it
 * failed are emitted again by the next. A {@code Mono} gives a {@code Mono}, any other
 * {@link Publisher} a {@code Flux}.
 *
 * @param <T> the element type
 */
public final class RetryOperator<T> implements UnaryOperator<Publisher<T>> {

	private static final String RETRY_RECORDER = "retry recorder";

	private final RetryPolicy policy;

	private final @Nullable String name;

	private final RetryRecorder recorder;

	private RetryOperator(RetryPolicy policy, @Nullable String name, RetryRecorder recorder) {
		this.policy = policy;
		this.name = name;
		this.recorder = recorder;
	}

	/**
	 * Retries as {@code policy} says.
	 * @param policy how to retry
	 * @param <T> the element type
	 * @return the operator
	 */
	public static <T> RetryOperator<T> of(RetryPolicy policy) {
		return new RetryOperator<>(Checks.notNull(policy, "policy"), null, RetryRecorder.none());
	}

	/**
	 * Retries as {@code policy} says, and reports to {@code recorder} how each
	 * subscription's retry ended, as {@code AsyncUtils.retry(name, ...)} does (a
	 * cancelled one is not reported): with {@code AsyncUtils.retryRecorder()}, reactive
	 * retries are counted in {@code lionherd.retry.calls} with the others.
	 * @param policy how to retry
	 * @param name the retry's name, the {@code name} tag
	 * @param recorder where to report
	 * @param <T> the element type
	 * @return the operator
	 */
	public static <T> RetryOperator<T> of(RetryPolicy policy, String name, RetryRecorder recorder) {
		return new RetryOperator<>(Checks.notNull(policy, "policy"), Checks.notNull(name, "name"),
				Checks.notNull(recorder, "recorder"));
	}

	@Override
	public Publisher<T> apply(Publisher<T> publisher) {
		Checks.notNull(publisher, "publisher");
		if (publisher instanceof Mono<T> mono) {
			return Mono.defer(() -> {
				WorkScope scope = WorkScope.current();
				Backoff backoff = new Backoff(this.policy, scope);
				Mono<T> retried = Scoped.mono(mono, scope).retryWhen(backoff);
				return (this.name != null) ? retried.doOnEach(backoff::record) : retried;
			});
		}
		Flux<T> flux = Flux.from(publisher);
		return Flux.defer(() -> {
			WorkScope scope = WorkScope.current();
			Backoff backoff = new Backoff(this.policy, scope);
			Flux<T> retried = Scoped.flux(flux, scope).retryWhen(backoff);
			return (this.name != null) ? retried.doOnEach(backoff::record) : retried;
		});
	}

	/**
	 * Reports how one subscription's retry ended; guarded: a failing recorder is logged.
	 */
	private void record(long attempts, boolean failed) {
		RetryRecorder.Kind kind = failed
				? ((attempts == 1) ? RetryRecorder.Kind.FAILED_WITHOUT_RETRY : RetryRecorder.Kind.FAILED_WITH_RETRY)
				: ((attempts == 1) ? RetryRecorder.Kind.SUCCESSFUL_WITHOUT_RETRY
						: RetryRecorder.Kind.SUCCESSFUL_WITH_RETRY);
		String name = Objects.requireNonNull(this.name);
		Guard.run(() -> this.recorder.record(name, kind), RETRY_RECORDER, name);
	}

	@Override
	public String toString() {
		return "RetryOperator[" + this.policy + "]";
	}

	/**
	 * The policy as Reactor's retry companion, for one subscription: decides after each
	 * failed attempt whether and when to resubscribe.
	 */
	private final class Backoff extends Retry {

		private final RetryPolicy policy;

		private final @Nullable WorkScope scope;

		/** The attempts that failed so far; written by the companion, read at the end. */
		private volatile long failedAttempts;

		Backoff(RetryPolicy policy, @Nullable WorkScope scope) {
			this.policy = policy;
			this.scope = scope;
		}

		@Override
		public Publisher<?> generateCompanion(Flux<RetrySignal> signals) {
			return signals.concatMap((signal) -> {
				this.failedAttempts = signal.totalRetries() + 1;
				return next(signal.failure(), signal.totalRetries() + 1);
			});
		}

		/**
		 * At the terminal signal: the attempt that succeeded, or the last that failed.
		 */
		void record(Signal<?> signal) {
			if (signal.isOnComplete()) {
				RetryOperator.this.record(this.failedAttempts + 1, false);
			}
			else if (signal.isOnError()) {
				RetryOperator.this.record(Math.max(1, this.failedAttempts), true);
			}
		}

		/**
		 * After failed attempt {@code attempts}: the wait before the next one, or the
		 * failure that ends the retry.
		 */
		private Mono<?> next(Throwable failure, long attempts) {
			if (attempts >= this.policy.maxAttempts() || !this.policy.retries(failure)) {
				return Mono.error(failure);
			}
			WorkScope enclosing = this.scope;
			if (enclosing != null && !enclosing.admits()) {
				return Mono.error(failure);
			}
			Duration wait = this.policy.backoff((int) attempts, ThreadLocalRandom.current().nextDouble());
			if (enclosing != null && enclosing.remainingNanos() - Checks.saturatedNanos(wait) < 0) {
				// The wait would end after the deadline: no attempt could start in time.
				return Mono.error(failure);
			}
			return wait.isZero() ? Mono.just(attempts) : Mono.delay(wait, Schedulers.parallel());
		}

	}

}
