package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * The handle {@link RateLimiterRegistry#get(String, String)} returns: it looks its key's
 * state up in the {@link KeyTable} for each operation, so it stays valid while the state
 * behind it is forgotten and created again. Cheap to create, and to keep.
 */
final class KeyedRateLimiter implements RateLimiter {

	private final KeyTable table;

	private final String key;

	KeyedRateLimiter(KeyTable table, String key) {
		this.table = table;
		this.key = key;
	}

	@Override
	public String name() {
		return this.table.name();
	}

	@Override
	public Optional<String> key() {
		return Optional.of(this.key);
	}

	@Override
	public RateLimiterConfig config() {
		return this.table.config();
	}

	@Override
	public String backend() {
		return this.table.backend();
	}

	@Override
	public boolean tryAcquire() {
		KeyState state = this.table.pin(this.key);
		if (state == null) {
			return false;
		}
		try {
			return state.limiter.tryAcquire();
		}
		finally {
			state.unpin();
		}
	}

	@Override
	public boolean tryAcquire(long permits) {
		config().checkPermits(permits);
		KeyState state = this.table.pin(this.key);
		if (state == null) {
			return false;
		}
		try {
			return state.limiter.tryAcquire(permits);
		}
		finally {
			state.unpin();
		}
	}

	@Override
	public CompletableFuture<Boolean> tryAcquireAsync() {
		return tryAcquireAsync(1);
	}

	@Override
	public CompletableFuture<Boolean> tryAcquireAsync(long permits) {
		config().checkPermits(permits);
		KeyState state = this.table.pin(this.key);
		if (state == null) {
			return CompletableFuture.completedFuture(false);
		}
		try {
			// A distributed limiter's call is sent, so decided in order, by now.
			return state.limiter.tryAcquireAsync(permits);
		}
		finally {
			state.unpin();
		}
	}

	@Override
	public CompletableFuture<Void> acquire() {
		return acquire((limiter) -> limiter.acquire());
	}

	@Override
	public CompletableFuture<Void> acquire(Duration timeout) {
		return acquire((limiter) -> limiter.acquire(timeout));
	}

	@Override
	public CompletableFuture<Void> acquire(long permits) {
		config().checkPermits(permits);
		return acquire((limiter) -> limiter.acquire(permits));
	}

	@Override
	public CompletableFuture<Void> acquire(long permits, Duration timeout) {
		config().checkPermits(permits);
		return acquire((limiter) -> limiter.acquire(permits, timeout));
	}

	/** Pinned until the limiter's acquire returns, that is once its waiter is queued. */
	private CompletableFuture<Void> acquire(Function<RateLimiter, CompletableFuture<Void>> acquire) {
		KeyState state = this.table.pin(this.key);
		if (state == null) {
			return CompletableFuture.failedFuture(this.table.tableFull());
		}
		try {
			return acquire.apply(state.limiter);
		}
		finally {
			state.unpin();
		}
	}

	@Override
	public int availablePermits() {
		return read(RateLimiter::availablePermits);
	}

	@Override
	public int waitingCount() {
		KeyState state = this.table.find(this.key);
		return (state != null) ? state.limiter.waitingCount() : 0;
	}

	@Override
	public LimitStatus status() {
		KeyState state = this.table.find(this.key);
		return ((state != null) ? state.limiter : this.table.fresh(this.key)).status();
	}

	/**
	 * A read of the key's state, or of a fresh limiter when it has none (a forgotten
	 * state is equivalent to a fresh one, so reading it unpinned is as exact).
	 */
	private int read(ToIntFunction<RateLimiter> reader) {
		KeyState state = this.table.find(this.key);
		return reader.applyAsInt((state != null) ? state.limiter : this.table.fresh(this.key));
	}

	@Override
	public String toString() {
		return "KeyedRateLimiter[name=" + name() + ", key=" + this.key + "]";
	}

}
