package io.lionherd.concurrency.capacity;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.CapacityLimiter;

/**
 * A real limit seen through the {@link ConcurrencyLimit} interface (as a shared backend's
 * limit is, so the decorators run through the interface's default methods), counting how
 * often each granted permit is closed: the decorators must close every permit exactly
 * once, and a permit whose {@code close} is idempotent would hide a second call.
 */
final class CountingLimit implements ConcurrencyLimit {

	private final ConcurrencyLimit delegate;

	private final List<AtomicInteger> closes = new CopyOnWriteArrayList<>();

	CountingLimit(ConcurrencyLimit delegate) {
		this.delegate = delegate;
	}

	@Override
	public String name() {
		return this.delegate.name();
	}

	@Override
	public ConcurrencyLimitConfig config() {
		return this.delegate.config();
	}

	@Override
	public CompletableFuture<CapacityLimiter.Permit> acquire() {
		return counted(this.delegate.acquire());
	}

	@Override
	public CompletableFuture<CapacityLimiter.Permit> acquire(Duration timeout) {
		return counted(this.delegate.acquire(timeout));
	}

	private CompletableFuture<CapacityLimiter.Permit> counted(CompletableFuture<CapacityLimiter.Permit> acquiring) {
		CompletableFuture<CapacityLimiter.Permit> counted = new CompletableFuture<>();
		acquiring.whenComplete((permit, error) -> {
			if (error != null) {
				counted.completeExceptionally(error);
				return;
			}
			AtomicInteger closed = new AtomicInteger();
			this.closes.add(closed);
			CapacityLimiter.Permit countingPermit = () -> {
				closed.incrementAndGet();
				permit.close();
			};
			if (!counted.complete(countingPermit)) {
				countingPermit.close();
			}
		});
		counted.whenComplete((permit, error) -> {
			if (counted.isCancelled()) {
				acquiring.cancel(false);
			}
		});
		return counted;
	}

	@Override
	public int inUse() {
		return this.delegate.inUse();
	}

	@Override
	public int waitingCount() {
		return this.delegate.waitingCount();
	}

	/** How often each permit granted so far was closed, in grant order. */
	List<Integer> closesPerPermit() {
		return this.closes.stream().map(AtomicInteger::get).toList();
	}

}
