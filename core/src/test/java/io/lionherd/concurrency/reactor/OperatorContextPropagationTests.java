package io.lionherd.concurrency.reactor;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.RetryPolicy;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterFactory;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The caller's Reactor context, and with context-propagation's automatic mode its thread
 * locals, are visible inside the limited publisher after a wait on another thread and in
 * every retry attempt.
 */
class OperatorContextPropagationTests {

	private static final String KEY = "lionherd.test.tenant";

	private static final ThreadLocal<String> TENANT = new ThreadLocal<>();

	private final ManualTime time = new ManualTime();

	/** The limiter's wake-ups run here: not the thread that subscribed. */
	private final ExecutorService wakeUps = Executors.newSingleThreadExecutor();

	private final List<String> seen = new CopyOnWriteArrayList<>();

	@AfterEach
	void reset() {
		Hooks.disableAutomaticContextPropagation();
		ContextRegistry.getInstance().removeThreadLocalAccessor(KEY);
		TENANT.remove();
		this.wakeUps.shutdownNow();
	}

	private RateLimiter fullLimiter() {
		RateLimiter limiter = RateLimiterFactory.inMemory(this.time, this.time, this.wakeUps)
			.create("context", RateLimiterConfig.of(1, Duration.ofSeconds(1)), RateLimiterListener.none());
		assertThat(limiter.tryAcquire()).isTrue();
		return limiter;
	}

	private static void propagateTenant() {
		ContextRegistry.getInstance().registerThreadLocalAccessor(new TenantAccessor());
		Hooks.enableAutomaticContextPropagation();
	}

	@Test
	void theReactorContextReachesTheLimitedPublisherAfterAWait() {
		RateLimiter limiter = fullLimiter();
		Mono<String> limited = Mono.deferContextual((context) -> Mono.just(context.<String>get(KEY)))
			.transformDeferred(RateLimiterOperator.of(limiter))
			.contextWrite(Context.of(KEY, "acme"));
		StepVerifier.create(limited)
			.expectSubscription()
			.then(() -> this.time.advance(Duration.ofSeconds(1)))
			.expectNext("acme")
			.verifyComplete();
	}

	@Test
	void theCallersThreadLocalIsRestoredInTheLimitedPublisherAfterAWait() {
		propagateTenant();
		RateLimiter limiter = fullLimiter();
		Mono<String> limited = Mono.fromCallable(() -> Thread.currentThread().getName() + "/" + TENANT.get())
			.transformDeferred(RateLimiterOperator.of(limiter));
		TENANT.set("acme");
		String caller = Thread.currentThread().getName();
		StepVerifier.create(limited.contextCapture())
			.expectSubscription()
			.then(TENANT::remove)
			.then(() -> this.time.advance(Duration.ofSeconds(1)))
			.assertNext((value) -> assertThat(value).doesNotStartWith(caller).endsWith("/acme"))
			.verifyComplete();
	}

	@Test
	void everyRetryAttemptSeesTheCallersReactorContext() {
		Mono<String> retried = Mono.deferContextual((context) -> {
			this.seen.add(context.get(KEY));
			return Mono.<String>error(new IOException("down"));
		}).transformDeferred(RetryOperator.of(policy())).contextWrite(Context.of(KEY, "acme"));
		StepVerifier.withVirtualTime(() -> retried)
			.thenAwait(Duration.ofSeconds(3))
			.expectError(IOException.class)
			.verify(Duration.ofSeconds(5));
		assertThat(this.seen).containsExactly("acme", "acme", "acme");
	}

	@Test
	void everyRetryAttemptSeesTheCallersThreadLocal() {
		propagateTenant();
		Mono<String> retried = Mono.defer(() -> {
			this.seen.add(Thread.currentThread().getName() + "/" + TENANT.get());
			return Mono.<String>error(new IOException("down"));
		}).transformDeferred(RetryOperator.of(policy()));
		TENANT.set("acme");
		String caller = Thread.currentThread().getName();
		StepVerifier.create(retried.contextCapture()).expectError(IOException.class).verify(Duration.ofSeconds(5));
		assertThat(this.seen).hasSize(3).allSatisfy((value) -> assertThat(value).endsWith("/acme"));
		assertThat(this.seen.get(2)).doesNotStartWith(caller);
	}

	private static RetryPolicy policy() {
		return RetryPolicy.builder().maxAttempts(3).baseDelay(Duration.ofMillis(1)).jitter(0).build();
	}

	static final class TenantAccessor implements ThreadLocalAccessor<String> {

		@Override
		public Object key() {
			return KEY;
		}

		@Override
		public String getValue() {
			return TENANT.get();
		}

		@Override
		public void setValue(String value) {
			TENANT.set(value);
		}

		@Override
		public void setValue() {
			TENANT.remove();
		}

	}

}
