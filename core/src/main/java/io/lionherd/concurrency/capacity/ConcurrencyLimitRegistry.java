package io.lionherd.concurrency.capacity;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.Guard;

/**
 * The one owner of named concurrency limits: each name maps to one limit, created on
 * first request by the factory of its backend and never replaced. Listeners see the
 * grants and rejections of every limit, including those created after they registered;
 * the {@code lionherd.capacity.*} meters come from such a listener.
 *
 * <pre>{@code
 * ConcurrencyLimitRegistry limits = new ConcurrencyLimitRegistry();
 * limits.concurrencyLimit("provider", ConcurrencyLimitConfig.of(4));
 * limits.get("provider").executeCompletionStage(() -> client.send(request));
 * }</pre>
 *
 * Thread-safe.
 */
public final class ConcurrencyLimitRegistry {

	private final ConcurrencyLimitFactory inMemory;

	/** Guarded by itself; in creation order. */
	private final Map<String, ConcurrencyLimit> limits = new LinkedHashMap<>();

	private final List<ConcurrencyLimitListener> listeners = new CopyOnWriteArrayList<>();

	private final ConcurrencyLimitListener dispatcher = new Dispatcher();

	/**
	 * A registry whose in-memory limits run on the system clock and the shared timer.
	 */
	public ConcurrencyLimitRegistry() {
		this(ConcurrencyLimitFactory.inMemory());
	}

	/**
	 * A registry whose in-memory limits come from {@code inMemory}.
	 * @param inMemory the factory behind
	 * {@link #concurrencyLimit(String, ConcurrencyLimitConfig)}
	 */
	public ConcurrencyLimitRegistry(ConcurrencyLimitFactory inMemory) {
		this.inMemory = Checks.notNull(inMemory, "inMemory");
	}

	/**
	 * The limit named {@code name}.
	 * @param name its name
	 * @return the limit
	 * @throws IllegalArgumentException if there is none; the message lists the known
	 * names
	 */
	public ConcurrencyLimit get(String name) {
		return find(name).orElseThrow(() -> new IllegalArgumentException(
				"No concurrency limit named '" + name + "'; known concurrency limits: " + names()));
	}

	/**
	 * The limit named {@code name}, if there is one.
	 * @param name its name
	 * @return the limit, or empty if there is none of that name
	 */
	public Optional<ConcurrencyLimit> find(String name) {
		Checks.notNull(name, "name");
		synchronized (this.limits) {
			return Optional.ofNullable(this.limits.get(name));
		}
	}

	/**
	 * The limit named {@code name}, created in memory with {@code config} if there is
	 * none yet.
	 * @param name its name, not blank
	 * @param config how it limits
	 * @return the limit
	 * @throws IllegalArgumentException if {@code name} is blank, or a limit of that name
	 * exists with another configuration
	 */
	public ConcurrencyLimit concurrencyLimit(String name, ConcurrencyLimitConfig config) {
		return concurrencyLimit(name, config, this.inMemory);
	}

	/**
	 * The limit named {@code name}, created by {@code factory} (its backend) if there is
	 * none yet. A limit of that name that exists is returned whatever factory created it,
	 * as long as its configuration is {@code config}.
	 * @param name its name, not blank
	 * @param config how it limits
	 * @param factory the backend that creates it
	 * @return the limit
	 * @throws IllegalArgumentException if {@code name} is blank, or a limit of that name
	 * exists with another configuration
	 */
	public ConcurrencyLimit concurrencyLimit(String name, ConcurrencyLimitConfig config,
			ConcurrencyLimitFactory factory) {
		Checks.notNull(name, "name");
		Checks.notNull(config, "config");
		Checks.notNull(factory, "factory");
		if (name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank, but was '" + name + "'");
		}
		synchronized (this.limits) {
			ConcurrencyLimit existing = this.limits.get(name);
			if (existing != null) {
				if (!existing.config().equals(config)) {
					throw new IllegalArgumentException("A concurrency limit named '" + name + "' already exists with "
							+ existing.config() + ", not " + config);
				}
				return existing;
			}
			ConcurrencyLimit limit = Checks.notNull(factory.create(name, config, this.dispatcher),
					"limit created by factory");
			this.limits.put(name, limit);
			// Under the lock, so that addListener sees each limit exactly once.
			for (ConcurrencyLimitListener listener : this.listeners) {
				Guard.run(() -> listener.added(limit), "concurrency limit listener", limit);
			}
			return limit;
		}
	}

	/**
	 * Every limit, in creation order.
	 * @return a snapshot, unmodifiable
	 */
	public Collection<ConcurrencyLimit> all() {
		synchronized (this.limits) {
			return List.copyOf(this.limits.values());
		}
	}

	/**
	 * The names of every limit, in creation order.
	 * @return a snapshot, unmodifiable
	 */
	public Set<String> names() {
		synchronized (this.limits) {
			return Collections.unmodifiableSet(new LinkedHashSet<>(this.limits.keySet()));
		}
	}

	/**
	 * Adds a listener to every limit, those here now (each reported to
	 * {@link ConcurrencyLimitListener#added}) and those created later. A listener sees a
	 * limit's grants and rejections only once it has been told of the limit; events of
	 * the limits here now that happen while it is being added may be missed.
	 * @param listener the listener
	 */
	public void addListener(ConcurrencyLimitListener listener) {
		Checks.notNull(listener, "listener");
		synchronized (this.limits) {
			// Told of each limit before it can see the limit's events.
			for (ConcurrencyLimit limit : this.limits.values()) {
				Guard.run(() -> listener.added(limit), "concurrency limit listener", limit);
			}
			this.listeners.add(listener);
		}
	}

	@Override
	public String toString() {
		return "ConcurrencyLimitRegistry" + names();
	}

	/** Fans each event out to the listeners, each call guarded on its own. */
	private final class Dispatcher implements ConcurrencyLimitListener {

		@Override
		public void acquired(ConcurrencyLimit limit, long waitNanos) {
			for (ConcurrencyLimitListener listener : ConcurrencyLimitRegistry.this.listeners) {
				Guard.run(() -> listener.acquired(limit, waitNanos), "concurrency limit listener", limit);
			}
		}

		@Override
		public void rejected(ConcurrencyLimit limit) {
			for (ConcurrencyLimitListener listener : ConcurrencyLimitRegistry.this.listeners) {
				Guard.run(() -> listener.rejected(limit), "concurrency limit listener", limit);
			}
		}

		@Override
		public void backendError(ConcurrencyLimit limit, Throwable error) {
			for (ConcurrencyLimitListener listener : ConcurrencyLimitRegistry.this.listeners) {
				Guard.run(() -> listener.backendError(limit, error), "concurrency limit listener", limit);
			}
		}

	}

}
