package io.lionherd.concurrency.reactor;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.RetryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RetryOperator} inside an {@code AsyncUtils} deadline scope: the scope current on
 * the subscribing thread bounds the waits, and is current in every attempt. The scope
 * reads the manual clock; Reactor's timer is virtual; the test moves both.
 */
class RetryOperatorDeadlineTests {

	private final ManualTime time = new ManualTime();

	private final AsyncUtils async = this.time.configure(AsyncUtils.builder()).executor(ManualTime.DIRECT).build();

	private final VirtualTimeScheduler timer = VirtualTimeScheduler.getOrSet();

	private final AtomicInteger attempts = new AtomicInteger();

	private final IOException failure = new IOException("down");

	@AfterEach
	void resetTimer() {
		VirtualTimeScheduler.reset();
	}

	/** 1 s after the first failure, 2 s after the second, 4 s after the third... */
	private static RetryPolicy policy() {
		return RetryPolicy.builder()
			.maxAttempts(5)
			.baseDelay(Duration.ofSeconds(1))
			.maxDelay(Duration.ofSeconds(8))
			.jitter(0)
			.build();
	}

	private Mono<String> alwaysFailing() {
		return Mono.defer(() -> {
			this.attempts.incrementAndGet();
			return Mono.error(this.failure);
		});
	}

	private void advance(Duration duration) {
		this.time.advance(duration);
		this.timer.advanceTimeBy(duration);
	}

	@Test
	void aWaitThatWouldEndAfterTheDeadlineEndsTheRetryWithTheLastFailure() {
		CompletableFuture<String> result = this.async.failAfter(Duration.ofMillis(2500),
				() -> alwaysFailing().transformDeferred(RetryOperator.of(policy())).toFuture());
		assertThat(this.attempts).hasValue(1);
		advance(Duration.ofSeconds(1));
		assertThat(this.attempts).hasValue(2);
		assertThat(result).isCompletedExceptionally();
		assertThat(result.handle((value, error) -> error)).succeedsWithin(Duration.ZERO).isSameAs(this.failure);
	}

	@Test
	void withoutAScopeTheRetryWaitsAsThePolicySays() {
		CompletableFuture<String> result = alwaysFailing().transformDeferred(RetryOperator.of(policy())).toFuture();
		advance(Duration.ofSeconds(1 + 2 + 4 + 8));
		assertThat(this.attempts).hasValue(5);
		assertThat(result).isCompletedExceptionally();
	}

	@Test
	void theScopeIsTheOneCurrentWhenSubscribingNotWhenAssembling() {
		Mono<String> assembledOutsideAnyScope = alwaysFailing().transform(RetryOperator.of(policy()));
		CompletableFuture<String> result = this.async.failAfter(Duration.ofMillis(2500),
				assembledOutsideAnyScope::toFuture);
		advance(Duration.ofSeconds(1));
		assertThat(this.attempts).hasValue(2);
		assertThat(result).isCompletedExceptionally();
	}

	@Test
	void everyAttemptRunsInTheScope() {
		List<Boolean> inScope = new CopyOnWriteArrayList<>();
		Mono<String> attempt = Mono.defer(() -> {
			inScope.add(this.async.effectiveDeadline().isPresent());
			return Mono.error(this.failure);
		});
		this.async.failAfter(Duration.ofSeconds(10),
				() -> attempt.transformDeferred(RetryOperator.of(policy())).toFuture());
		advance(Duration.ofSeconds(1));
		advance(Duration.ofSeconds(2));
		assertThat(inScope).containsExactly(true, true, true);
	}

}
