package io.lionherd.concurrency.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.reactor.RateLimiterOperator;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

/**
 * One subscription to a rate-limited {@code Mono.just}, assembled once with
 * {@code transformDeferred} (so the operator is applied per subscription, as a WebFlux
 * handler's {@code Mono} is): our {@link RateLimiterOperator} on
 * {@code RateLimiter.slidingWindow} against Resilience4j's reactor
 * {@code RateLimiterOperator} on its {@code AtomicRateLimiter} (timeout 0). Both limiters
 * allow {@value RateLimiterBenchmark#PERMITS} permits per
 * {@value RateLimiterBenchmark#PERIOD_MILLIS} ms, as in {@link RateLimiterBenchmark}:
 * they always have room, so this measures the operator and the permit's bookkeeping. A
 * teardown fails the run if any subscription was refused. Goal: ours faster (ratio below
 * 1.0).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class ReactorOperatorBenchmark {

	private static final String VALUE = "quote";

	Mono<String> ours;

	Mono<String> resilience4j;

	final Sink sink = new Sink();

	@Setup
	public void setUp() {
		RateLimiter limiter = RateLimiter.slidingWindow(RateLimiterBenchmark.PERMITS, RateLimiterBenchmark.PERIOD);
		this.ours = Mono.just(VALUE).transformDeferred(RateLimiterOperator.of(limiter));
		AtomicRateLimiter theirs = new AtomicRateLimiter("bench",
				RateLimiterConfig.custom()
					.limitForPeriod(RateLimiterBenchmark.PERMITS)
					.limitRefreshPeriod(RateLimiterBenchmark.PERIOD)
					.timeoutDuration(Duration.ZERO)
					.build());
		this.resilience4j = Mono.just(VALUE)
			.transformDeferred(io.github.resilience4j.reactor.ratelimiter.operator.RateLimiterOperator.of(theirs));
	}

	@TearDown
	public void failOnRefusal() {
		if (this.sink.errors > 0) {
			throw new IllegalStateException(this.sink.errors + " subscriptions failed (" + this.sink.lastError
					+ "): the limit was reached, so this measured refusals, not grants");
		}
	}

	@Benchmark
	@Threads(1)
	public @Nullable Object ours() {
		return this.sink.run(this.ours);
	}

	@Benchmark
	@Threads(1)
	public @Nullable Object resilience4j() {
		return this.sink.run(this.resilience4j);
	}

	/** Takes the value synchronously, without the latch of {@code block()}. */
	static final class Sink implements CoreSubscriber<String> {

		@Nullable String value;

		long errors;

		@Nullable Throwable lastError;

		@Nullable String run(Mono<String> mono) {
			this.value = null;
			mono.subscribe(this);
			return this.value;
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			subscription.request(Long.MAX_VALUE);
		}

		@Override
		public void onNext(String next) {
			this.value = next;
		}

		@Override
		public void onError(Throwable error) {
			this.errors++;
			this.lastError = error;
		}

		@Override
		public void onComplete() {
		}

	}

}
