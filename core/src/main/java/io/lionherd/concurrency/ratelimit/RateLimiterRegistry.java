package io.lionherd.concurrency.ratelimit;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.Guard;

/**
 * The one owner of named rate limiters: each name maps to one limiter, created on first
 * request by the factory of its backend and never replaced. Listeners see the grants and
 * rejections of every limiter, including those created after they registered; the
 * {@code lionherd.ratelimiter.*} meters come from such a listener.
 *
 * <pre>{@code
 * RateLimiterRegistry limiters = new RateLimiterRegistry();
 * RateLimiter github = limiters.rateLimiter("github", RateLimiterConfig.of(30, Duration.ofMinutes(1)));
 * limiters.get("github").acquire().thenRun(this::callGitHub);
 * }</pre>
 *
 * A named limiter's definition also limits each client key on its own:
 * {@link #get(String, String)} gives the limiter of a key, whose state is created on
 * first use and forgotten, exactly, once it is equivalent to a fresh one.
 *
 * Thread-safe.
 */
public final class RateLimiterRegistry {

	private final RateLimiterFactory inMemory;

	/** Guarded by itself; in creation order. */
	private final Map<String, RateLimiter> limiters = new LinkedHashMap<>();

	private final List<RateLimiterListener> listeners = new CopyOnWriteArrayList<>();

	private final RateLimiterListener dispatcher = new Dispatcher();

	/** Guarded by {@link #limiters}: the backend of each limiter. */
	private final Map<String, RateLimiterFactory> factories = new HashMap<>();

	/**
	 * The key table of each name used with keys: read without the registry's lock, so a
	 * keyed request takes no lock of the registry.
	 */
	private final Map<String, KeyTable> keyTables = new ConcurrentHashMap<>();

	/**
	 * A registry whose in-memory limiters run on the system clock and the shared timer.
	 */
	public RateLimiterRegistry() {
		this(RateLimiterFactory.inMemory());
	}

	/**
	 * A registry whose in-memory limiters come from {@code inMemory}, e.g.
	 * {@code asyncUtils.rateLimiterFactory()} to share that instance's clock and timer.
	 * @param inMemory the factory behind {@link #rateLimiter(String, RateLimiterConfig)}
	 */
	public RateLimiterRegistry(RateLimiterFactory inMemory) {
		this.inMemory = Checks.notNull(inMemory, "inMemory");
	}

	/**
	 * The limiter named {@code name}.
	 * @param name its name
	 * @return the limiter
	 * @throws IllegalArgumentException if there is none; the message lists the known
	 * names
	 * @see #find(String)
	 */
	public RateLimiter get(String name) {
		Checks.notNull(name, "name");
		synchronized (this.limiters) {
			RateLimiter limiter = this.limiters.get(name);
			if (limiter == null) {
				throw new IllegalArgumentException(
						"No rate limiter named '" + name + "'; known rate limiters: " + this.limiters.keySet());
			}
			return limiter;
		}
	}

	/**
	 * The limiter of client {@code key} under the definition (limits, timeout, backend)
	 * of the limiter named {@code name}, created on first use: each key has its own
	 * windows and queue.
	 * <p>
	 * The result is a cheap handle that looks the key's state up for each operation, so
	 * it may be kept: a key's state is forgotten once it holds no grant inside any
	 * window, no waiter and no operation in progress (then a fresh state decides every
	 * later request exactly as it would), by a sweep on the backend's timer every longest
	 * period of the definition, and created again on the key's next use. At most
	 * {@link RateLimiterConfig#maxKeys()} keys of a name live at once: an operation for a
	 * new key beyond it is refused at once ({@code tryAcquire} answers {@code false},
	 * {@code acquire} fails with a {@link RateLimitExceededException} saying the key
	 * table is full) and reported to {@link RateLimiterListener#keyRefused}. A key's
	 * events reach the listeners as the named limiter's; {@code added} is not called per
	 * key.
	 * @param name the name of a limiter of this registry
	 * @param key the client key, not empty
	 * @return the limiter of that key
	 * @throws IllegalArgumentException if there is no limiter named {@code name} (the
	 * message lists the known names), or {@code key} is {@code null} or empty
	 */
	public RateLimiter get(String name, String key) {
		if (key == null || key.isEmpty()) {
			throw new IllegalArgumentException("key must not be null or empty, but was "
					+ ((key == null) ? "null" : "''") + " (limiter '" + name + "')");
		}
		KeyTable table = this.keyTables.get(Checks.notNull(name, "name"));
		return new KeyedRateLimiter((table != null) ? table : keyTable(name), key);
	}

	/**
	 * How many keys of the limiter named {@code name} have state in this instance now
	 * (see {@link #get(String, String)}): a key is counted from the start of the
	 * operation that creates its state until it is forgotten.
	 * @param name the name of a limiter of this registry
	 * @return the number of live keys, 0 for a name never used with a key
	 * @throws IllegalArgumentException if there is no limiter named {@code name}; the
	 * message lists the known names
	 */
	public int keyCount(String name) {
		KeyTable table = this.keyTables.get(Checks.notNull(name, "name"));
		if (table != null) {
			return table.keyCount();
		}
		get(name);
		return 0;
	}

	private KeyTable keyTable(String name) {
		synchronized (this.limiters) {
			RateLimiter named = get(name);
			return this.keyTables.computeIfAbsent(name,
					(n) -> new KeyTable(named, this.factories.get(name), this.dispatcher));
		}
	}

	/**
	 * The limiter named {@code name}, if there is one: for callers to whom an unknown
	 * name is no error, e.g. a lookup by a name a client sent.
	 * @param name its name
	 * @return the limiter, or empty if there is none of that name
	 */
	public Optional<RateLimiter> find(String name) {
		Checks.notNull(name, "name");
		synchronized (this.limiters) {
			return Optional.ofNullable(this.limiters.get(name));
		}
	}

	/**
	 * The limiter named {@code name}, created in memory with {@code config} if there is
	 * none yet. A limiter of that name that exists is returned whatever its backend, as
	 * long as its configuration is {@code config}.
	 * @param name its name, not blank
	 * @param config how it limits
	 * @return the limiter
	 * @throws IllegalArgumentException if {@code name} is blank, or a limiter of that
	 * name exists with another configuration
	 */
	public RateLimiter rateLimiter(String name, RateLimiterConfig config) {
		return rateLimiter(name, config, this.inMemory);
	}

	/**
	 * The limiter named {@code name}, created by {@code factory} (its backend) if there
	 * is none yet. A limiter of that name that exists is returned whatever factory
	 * created it, as long as its configuration is {@code config}.
	 * @param name its name, not blank
	 * @param config how it limits
	 * @param factory the backend that creates it
	 * @return the limiter
	 * @throws IllegalArgumentException if {@code name} is blank, or a limiter of that
	 * name exists with another configuration
	 */
	public RateLimiter rateLimiter(String name, RateLimiterConfig config, RateLimiterFactory factory) {
		Checks.notNull(name, "name");
		Checks.notNull(config, "config");
		Checks.notNull(factory, "factory");
		if (name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank, but was '" + name + "'");
		}
		RateLimiter limiter;
		synchronized (this.limiters) {
			RateLimiter existing = this.limiters.get(name);
			if (existing != null) {
				if (!existing.config().equals(config)) {
					throw new IllegalArgumentException("A rate limiter named '" + name + "' already exists with "
							+ existing.config() + ", not " + config);
				}
				return existing;
			}
			limiter = Checks.notNull(factory.create(name, config, this.dispatcher), "limiter created by factory");
			this.limiters.put(name, limiter);
			this.factories.put(name, factory);
			// Under the lock, so that addListener sees each limiter exactly once.
			for (RateLimiterListener listener : this.listeners) {
				Guard.run(() -> listener.added(limiter), "rate limiter listener", limiter);
			}
		}
		return limiter;
	}

	/**
	 * Every limiter, in creation order.
	 * @return a snapshot, unmodifiable
	 */
	public Collection<RateLimiter> all() {
		synchronized (this.limiters) {
			return List.copyOf(this.limiters.values());
		}
	}

	/**
	 * The names of every limiter, in creation order.
	 * @return a snapshot, unmodifiable
	 */
	public Set<String> names() {
		synchronized (this.limiters) {
			return Collections.unmodifiableSet(new LinkedHashSet<>(this.limiters.keySet()));
		}
	}

	/**
	 * Adds a listener to every limiter, those here now (each reported to
	 * {@link RateLimiterListener#added}) and those created later.
	 * @param listener the listener
	 */
	public void addListener(RateLimiterListener listener) {
		Checks.notNull(listener, "listener");
		synchronized (this.limiters) {
			this.listeners.add(listener);
			for (RateLimiter limiter : this.limiters.values()) {
				Guard.run(() -> listener.added(limiter), "rate limiter listener", limiter);
			}
		}
	}

	@Override
	public String toString() {
		return "RateLimiterRegistry" + names();
	}

	/** Fans each event out to the listeners, each call guarded on its own. */
	private final class Dispatcher implements RateLimiterListener {

		@Override
		public void granted(RateLimiter limiter, long waitNanos) {
			for (RateLimiterListener listener : RateLimiterRegistry.this.listeners) {
				Guard.run(() -> listener.granted(limiter, waitNanos), "rate limiter listener", limiter);
			}
		}

		@Override
		public void rejected(RateLimiter limiter) {
			for (RateLimiterListener listener : RateLimiterRegistry.this.listeners) {
				Guard.run(() -> listener.rejected(limiter), "rate limiter listener", limiter);
			}
		}

		@Override
		public void backendError(RateLimiter limiter, Throwable error) {
			for (RateLimiterListener listener : RateLimiterRegistry.this.listeners) {
				Guard.run(() -> listener.backendError(limiter, error), "rate limiter listener", limiter);
			}
		}

		@Override
		public void keyRefused(RateLimiter limiter) {
			for (RateLimiterListener listener : RateLimiterRegistry.this.listeners) {
				Guard.run(() -> listener.keyRefused(limiter), "rate limiter listener", limiter);
			}
		}

	}

}
