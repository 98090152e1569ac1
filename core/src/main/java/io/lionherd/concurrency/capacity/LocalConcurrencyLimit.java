package io.lionherd.concurrency.capacity;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.Stages;
import io.lionherd.concurrency.Ticker;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.Guard;
import org.jspecify.annotations.Nullable;

/**
 * A named concurrency limit in memory: a {@link CapacityLimiter} that reports its grants
 * and timeouts to the registry's listener.
 */
final class LocalConcurrencyLimit implements ConcurrencyLimit {

	private final String name;

	private final ConcurrencyLimitConfig config;

	private final ConcurrencyLimitListener listener;

	private final Ticker ticker;

	private final CapacityLimiter limiter;

	LocalConcurrencyLimit(String name, ConcurrencyLimitConfig config, ConcurrencyLimitListener listener,
			CapacityLimiter limiter, Ticker ticker) {
		this.name = Checks.notNull(name, "name");
		this.config = Checks.notNull(config, "config");
		this.listener = Checks.notNull(listener, "listener");
		this.limiter = limiter;
		this.ticker = ticker;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public ConcurrencyLimitConfig config() {
		return this.config;
	}

	@Override
	public CompletableFuture<CapacityLimiter.Permit> acquire() {
		Duration timeout = this.config.timeout();
		return (timeout != null) ? acquire(timeout) : reported(null);
	}

	@Override
	public CompletableFuture<CapacityLimiter.Permit> acquire(Duration timeout) {
		Checks.notNegative(timeout, "timeout");
		return reported(timeout);
	}

	/**
	 * The limiter's future, told to the listener once, its timeout as a
	 * {@link ConcurrencyLimitExceededException}. A permit free now is taken without
	 * reading the clock; otherwise the wait is timed from before the limiter is asked.
	 * However the returned future completes before its grant (cancel, a caller's
	 * completion), the limiter's wait is given up.
	 */
	private CompletableFuture<CapacityLimiter.Permit> reported(@Nullable Duration timeout) {
		Optional<CapacityLimiter.Permit> now = this.limiter.tryAcquire();
		if (now.isPresent()) {
			Guard.run(() -> this.listener.acquired(this, 0), "concurrency limit listener", this);
			return CompletableFuture.completedFuture(now.get());
		}
		long start = this.ticker.read();
		CompletableFuture<CapacityLimiter.Permit> acquiring = (timeout != null) ? this.limiter.acquire(timeout)
				: this.limiter.acquire();
		CompletableFuture<CapacityLimiter.Permit> result = new CompletableFuture<>();
		acquiring.whenComplete((permit, error) -> {
			if (error == null) {
				if (result.complete(permit)) {
					long waited = Math.max(0, this.ticker.read() - start);
					Guard.run(() -> this.listener.acquired(this, waited), "concurrency limit listener", this);
				}
				else {
					permit.close();
				}
				return;
			}
			Throwable cause = Stages.unwrap(error);
			if (cause instanceof TimeoutException) {
				if (result.completeExceptionally(
						new ConcurrencyLimitExceededException(this.name, "No permit of concurrency limit '" + this.name
								+ "' within " + timeout + " (" + inUse() + " in use)", cause))) {
					Guard.run(() -> this.listener.rejected(this), "concurrency limit listener", this);
				}
			}
			else {
				result.completeExceptionally(cause);
			}
		});
		result.whenComplete((permit, error) -> acquiring.cancel(false));
		return result;
	}

	@Override
	public int inUse() {
		return this.limiter.borrowed();
	}

	@Override
	public int waitingCount() {
		return this.limiter.waitingCount();
	}

	@Override
	public String toString() {
		return "ConcurrencyLimit[name=" + this.name + ", backend=local, total=" + this.config.total() + ", inUse="
				+ inUse() + ", waiting=" + waitingCount() + "]";
	}

}
