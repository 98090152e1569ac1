package io.lionherd.concurrency;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/** PLACEHOLDER: being written under issue 4. */
final class SlidingWindowRateLimiter implements RateLimiter {

	private final @Nullable String name;

	SlidingWindowRateLimiter(@Nullable String name, int maxCalls, Duration period, LongSupplier ticker,
			DelayScheduler scheduler, Executor executor) {
		this.name = name;
		throw new UnsupportedOperationException("not yet implemented");
	}

	@Nullable String name() {
		return this.name;
	}

	@Override
	public CompletableFuture<Void> acquire() {
		throw new UnsupportedOperationException("not yet implemented");
	}

	@Override
	public CompletableFuture<Void> acquire(Duration timeout) {
		throw new UnsupportedOperationException("not yet implemented");
	}

	@Override
	public boolean tryAcquire() {
		throw new UnsupportedOperationException("not yet implemented");
	}

}
