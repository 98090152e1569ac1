package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Tests for the weighted forms of {@link RateLimiter}'s decorators, on a limiter of 3
 * calls and 10 permits a second and {@link ManualTime}.
 */
class RateLimiterWeightedDecoratorsTests {

	private static final Duration PERIOD = Duration.ofSeconds(1);

	private final ManualTime time = new ManualTime(1_000_000_000L);

	private final RateLimiter limiter = RateLimiterFactory.inMemory(this.time, this.time, ManualTime.DIRECT)
		.create("provider", RateLimiterConfig.of(Limit.calls(3, PERIOD), Limit.permits(10, PERIOD)),
				RateLimiterListener.none());

	private final AtomicInteger calls = new AtomicInteger();

	@Test
	void weightedCallableChargesItsPermitsAndIsRefusedWhenTheyDoNotFit() throws Exception {
		assertThat(this.limiter.executeCallable(6, Duration.ZERO, counted("first"))).isEqualTo("first");
		RateLimitExceededException exceeded = catchThrowableOfType(RateLimitExceededException.class,
				() -> this.limiter.executeCallable(5, Duration.ZERO, counted("second")));
		assertThat(exceeded.retryAfter()).contains(PERIOD);
		assertThat(this.limiter.executeCallable(4, Duration.ZERO, counted("third"))).isEqualTo("third");
		assertThat(this.calls).hasValue(2);
		assertThat(this.limiter.availablePermits()).isZero();
	}

	@Test
	void weightedStageWaitsUntilItsPermitsFitThenCallsTheSupplier() {
		this.limiter.tryAcquire(8);
		CompletableFuture<String> stage = this.limiter.executeCompletionStage(5, PERIOD, UnaryOperator.identity(),
				this::completed);
		assertThat(stage).isNotDone();
		assertThat(this.calls).hasValue(0);
		this.time.advance(PERIOD);
		assertThat(stage).isCompletedWithValue("done");
		assertThat(this.calls).hasValue(1);
		assertThat(this.limiter.tryAcquire(6)).isFalse();
		assertThat(this.limiter.tryAcquire(5)).isTrue();
	}

	@Test
	void decoratedStageTakesItsPermitsOnEveryCall() {
		Supplier<CompletableFuture<String>> decorated = this.limiter.decorateCompletionStage(4, Duration.ZERO,
				this::completed);
		assertThat(decorated.get()).isCompletedWithValue("done");
		assertThat(decorated.get()).isCompletedWithValue("done");
		assertThat(decorated.get()).isCompletedExceptionally();
		assertThat(this.calls).hasValue(2);
	}

	@Test
	void decoratedCallableAskingMoreThanAPermitsLimitCanEverGrantIsRejectedWhenMade() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.limiter.decorateCallable(11, null, counted("x")))
			.withMessageContaining("limits[1].max");
		assertThat(this.calls).hasValue(0);
	}

	@Test
	void weightedCallOfNoPermitsIsRejectedNamingTheArgument() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limiter.executeCompletionStage(0, null, UnaryOperator.identity(), this::completed))
			.withMessageContaining("permits must be at least 1");
	}

	private Callable<String> counted(String value) {
		return () -> {
			this.calls.incrementAndGet();
			return value;
		};
	}

	private CompletableFuture<String> completed() {
		this.calls.incrementAndGet();
		return CompletableFuture.completedFuture("done");
	}

}
