package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.WakeUpExecutor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Implementation notes.
 *
 * Forgetting is exact: a key's state is dropped only once its limiter is Forgettable (no grant
 * or reservation inside any window, no waiter), when a fresh limiter would decide every later
 * request as it would. The danger is an operation that found the state just before it is
 * dropped: it would grant on a state nobody sees any more, while the next operation creates a
 * fresh one beside it, and the limit would count only half of the grants. The pin count of
 * KeyState shuts that out: operations pin the state for their synchronous call, the sweeper
 * retires it only from zero pins and asks the limiter only then, and a retired state is removed
 * or let go again before anyone can enter it. So every grant happens on the state the table
 * maps the key to at that moment, and a removed state never grants again.
 *
 * Sweeping. One timer entry per table, due one longest period after the table became non-empty
 * or after the last sweep; none while the table is empty. A key forgettable at some instant
 * stays so until it is used again, so the next sweep, at most one longest period later, drops it.
 *
 * Counting. A new key is created inside computeIfAbsent, which counts it against max-keys in
 * the same step: the count is exact, and a full table refuses a new key at once while existing
 * keys go on as before.
 */

/**
 * The keys of one named limiter, behind {@link RateLimiterRegistry#get(String, String)}:
 * each key's limiter, created by the name's factory on first use and forgotten once it is
 * equivalent to a fresh one.
 */
final class KeyTable {

	private static final Logger logger = LoggerFactory.getLogger(KeyTable.class);

	private final RateLimiter named;

	private final RateLimiterFactory factory;

	/** The registry's listeners, each event attributed to {@link #named}. */
	private final RateLimiterListener listener;

	private final Map<String, KeyState> states = new ConcurrentHashMap<>();

	/** Live keys: the size of {@link #states}, changed only as it changes. */
	private final AtomicInteger count = new AtomicInteger();

	private final AtomicBoolean sweepPending = new AtomicBoolean();

	private final long sweepNanos;

	private final Executor sweepExecutor;

	/**
	 * @param named the named limiter whose definition every key shares
	 * @param factory the backend that created it
	 * @param dispatcher the registry's listeners
	 */
	KeyTable(RateLimiter named, RateLimiterFactory factory, RateLimiterListener dispatcher) {
		this.named = named;
		this.factory = factory;
		this.listener = new NamedListener(named, dispatcher);
		this.sweepNanos = named.config()
			.limits()
			.stream()
			.mapToLong((limit) -> Checks.saturatedNanos(limit.period()))
			.max()
			.orElseThrow();
		// A sweep of many keys must not hold up the timer thread's other entries.
		this.sweepExecutor = (factory instanceof SlidingWindowFactory inMemory) ? inMemory.wakeUpExecutor()
				: WakeUpExecutor.shared();
	}

	String name() {
		return this.named.name();
	}

	RateLimiterConfig config() {
		return this.named.config();
	}

	String backend() {
		return this.named.backend();
	}

	/** How many keys have state now. */
	int keyCount() {
		return this.count.get();
	}

	/** The state of {@code key}, if it has one now; pins nothing. */
	@Nullable KeyState find(String key) {
		return this.states.get(key);
	}

	/**
	 * The state of {@code key} entered for one operation, created if it has none.
	 * @return the pinned state, or {@code null} if it had none and the table is full (the
	 * refusal already reported)
	 */
	@Nullable KeyState pin(String key) {
		for (int spins = 0;; spins++) {
			KeyState state = this.states.get(key);
			if (state == null) {
				state = this.states.computeIfAbsent(key, this::create);
				if (state == null) {
					refused();
					return null;
				}
				sweepLater();
			}
			if (state.pin()) {
				return state;
			}
			// The sweeper retired it: it is removed or let go in a moment, unless the
			// sweeper's thread lost its core.
			Spins.backOff(spins);
		}
	}

	/** Inside computeIfAbsent: a new key's state, if the table has room for it. */
	private @Nullable KeyState create(String key) {
		int live;
		do {
			live = this.count.get();
			if (live >= config().maxKeys()) {
				return null;
			}
		}
		while (!this.count.compareAndSet(live, live + 1));
		try {
			return new KeyState(Checks.notNull(this.factory.create(name(), key, config(), this.listener),
					"limiter created by factory"));
		}
		catch (RuntimeException | Error ex) {
			this.count.decrementAndGet();
			throw ex;
		}
	}

	/** A limiter of {@code key} as fresh, for reads of a key that has no state. */
	RateLimiter fresh(String key) {
		return this.factory.create(name(), key, config(), RateLimiterListener.none());
	}

	private void refused() {
		this.listener.rejected(this.named);
		this.listener.keyRefused(this.named);
	}

	/** The failure of an acquire refused because the table is full. */
	RateLimitExceededException tableFull() {
		return new RateLimitExceededException(name(),
				"The key table of rate limiter '" + name() + "' is full (max-keys " + config().maxKeys()
						+ "): a new key is refused until idle keys are forgotten, at most "
						+ Duration.ofNanos(this.sweepNanos) + " (the longest period) after they went idle");
	}

	/** Makes sure a sweep is pending while the table has keys. */
	private void sweepLater() {
		if (this.sweepPending.get() || !this.sweepPending.compareAndSet(false, true)) {
			return;
		}
		DelayScheduler scheduler = this.factory.scheduler();
		try {
			scheduler.schedule(this.sweepExecutor, this::sweep, this.sweepNanos, TimeUnit.NANOSECONDS);
		}
		catch (RuntimeException ex) {
			// A scheduler shutting down must not leave keys nobody forgets.
			logger.warn("Scheduler {} refused the sweep of rate limiter '{}'; the shared timer takes it", scheduler,
					name(), ex);
			DelayScheduler.shared().schedule(this.sweepExecutor, this::sweep, this.sweepNanos, TimeUnit.NANOSECONDS);
		}
	}

	/**
	 * Forgets every key that is forgettable now, then sweeps again later if any is left.
	 */
	void sweep() {
		try {
			for (Map.Entry<String, KeyState> entry : this.states.entrySet()) {
				KeyState state = entry.getValue();
				// A look without the pin first: a key in use is passed over without
				// writing the pin word its operations write.
				if (!state.forgettable() || !state.retire()) {
					continue;
				}
				boolean forgettable = false;
				try {
					forgettable = state.forgettable();
				}
				finally {
					if (forgettable) {
						// Retired for good, so forgotten now: counted out before it
						// leaves
						// the map, so that a full table never refuses the key's next use
						// (or another key) for a key that is already gone.
						this.count.decrementAndGet();
						this.states.remove(entry.getKey(), state);
					}
					else {
						state.unretire();
					}
				}
			}
		}
		finally {
			this.sweepPending.set(false);
			// A key created while this sweep ended found it still pending.
			if (this.count.get() > 0) {
				sweepLater();
			}
		}
	}

	@Override
	public String toString() {
		return "KeyTable[name=" + name() + ", keys=" + keyCount() + "]";
	}

	/**
	 * Reports the events of every key's limiter as the named limiter's, so meters tagged
	 * by name sum over the keys (and never multiply per key).
	 */
	private record NamedListener(RateLimiter named, RateLimiterListener delegate) implements RateLimiterListener {

		@Override
		public void granted(RateLimiter limiter, long waitNanos) {
			this.delegate.granted(this.named, waitNanos);
		}

		@Override
		public void rejected(RateLimiter limiter) {
			this.delegate.rejected(this.named);
		}

		@Override
		public void backendError(RateLimiter limiter, Throwable error) {
			this.delegate.backendError(this.named, error);
		}

		@Override
		public void keyRefused(RateLimiter limiter) {
			this.delegate.keyRefused(this.named);
		}

	}

}
