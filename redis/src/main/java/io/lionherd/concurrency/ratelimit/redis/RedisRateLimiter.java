package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import io.lionherd.concurrency.Stages;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.Forgettable;
import io.lionherd.concurrency.internal.Guard;
import io.lionherd.concurrency.internal.WorkScope;
import io.lionherd.concurrency.ratelimit.BackendHealth;
import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.LimitStatus;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import io.lionherd.concurrency.ratelimit.PermitTimeoutException;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterBackendException;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Implementation notes.
 *
 * The windows live in Redis: per limit a sorted set of the requests charged to it (what each
 * counted is in its member) and the running sum of each, decided by one atomic script call
 * (sliding-window.lua) for every limit at once, on the server's clock (Layout). This class only
 * queues the callers of one instance and asks Redis for them.
 *
 * Reservations. A request that cannot be granted now and may wait is given by the script the
 * earliest instant T, at or after every instant already charged (by any instance), at which
 * every limit's window ending at T has room for it, and is charged there at once; the reply
 * says T - now. The instance grants it after that wait on its timer: no polling, no second
 * call. The same reasoning as the in-memory MultiWindowRateLimiter: the tail of every log is
 * the reservations in arrival order at the server, so a later request never overtakes an
 * earlier one whichever instance sent it, and every charge was checked against the window it
 * joined. A request whose T lies after its timeout is refused at once, nothing charged, with
 * T - now as its retry-after; a reserved one is therefore granted in time and its timeout
 * entry is ignored.
 *
 * Waiting. Every acquire joins a FIFO queue (`pending`). At most one script call is in flight
 * for it (`busy`), carrying the next BATCH live waiters; each gets its own T in the reply. So
 * an instance makes at most one call per acquire, fewer under contention.
 *
 * Giving up. A waiter is decided once, by a CAS (RedisWaiter): granted, failed, or abandoned
 * (cancel, timeout). An abandoned waiter's reservation is taken back by one call (RELEASE),
 * whenever it reaches the server: the CAS already decided that nobody was granted it (a
 * cancel that loses to the grant leaves it charged, and sends nothing). A reservation for a waiter abandoned while its call was in flight, and one in a reply that
 * came after its call timed out (Backend), is taken back the same way. Reservations behind a
 * taken-back one keep their instants; the room it freed goes to the next request.
 *
 * tryAcquire never overtakes and never reserves: with live waiters it answers false without
 * asking Redis, and the script refuses a try while any reservation lies ahead. Tries are
 * batched like waiters: at most one call for tries is in flight (`tryCall`); tries arriving
 * meanwhile queue (`pendingTries`) and share the next call, which takes the first BATCH of
 * them; the script decides each in order, and charges nobody takes (a cancelled
 * tryAcquireAsync) go back. A queued try waits for the call in flight plus its own (plus one
 * per BATCH tries queued before it in a burst); if a waiter arrived meanwhile, the queued
 * tries answer false without a call. Each try is decided once (its `decided` future), which
 * reports it to the listener. A call only blocking tryAcquires wait for has no timer entry:
 * each caller waits at most the command timeout, then fails the call it waits for and answers
 * as for a backend error.
 *
 * Backend failures. A failed or timed-out call decides its waiters and every waiter queued at
 * that moment together: all failed (FAIL) or all granted (ALLOW); reserved waiters keep their
 * reservations. Another instance's definition of the limiter (the script's refusal,
 * Decision.DefinitionMismatchException) fails them in both modes. Lettuce reconnects by
 * itself; the next call after the server is back just works (the script is re-sent if the
 * server lost it). An error reply (WRONGTYPE, OOM, NOPERM...) is no outage either: the server
 * is there and refuses, so the limiter refuses too, in ALLOW mode as well
 * (Backend.isErrorReply); the backend logs it once per cause and stays reachable. A refusal
 * sets `available` to 0.
 *
 * Client keys. The limiter of one client key under a name (RedisRateLimiterFactory's keyed
 * create) is this class at the key set of that (name, key) (Layout.keyedKey); the limiters of
 * one name's keys share their argument strings and one KeyHealth (Backend.keyed), and hold no
 * timer entry, thread or connection of their own while idle. The server holds the windows, so
 * one with no waiter and no call in flight is equivalent to a fresh one (forgettable()).
 *
 * Status. Every reply also says the tightest limit after the decision, what is left of it and
 * when its oldest entry leaves its window; the latest is kept (`report`) for status().
 *
 * Non-blocking threads. A subscription of RateLimiterOperator on a Reactor or Netty event-loop
 * thread calls acquire there, which takes `lock` (and the Backend's lock for the call's command
 * timeout); a thread that finds it held parks, which BlockHound reports. The Redis module's
 * LionherdRedisBlockHoundIntegration allows exactly that wait: acquireLock(), the one method
 * that calls lock.lock(), and nothing done while holding it. The wait is bounded because every
 * hold of `lock` is: it only reads and writes this object's fields and its in-memory queues
 * (`pending`, `pendingTries`), with no Redis call, no timer call, no logging, no listener, no
 * completion of a caller's future (their continuations run after unlock) and no other lock
 * taken; its only loops run over those queues, each taking at most BATCH entries or dropping
 * abandoned waiters, each waiter being dropped once in its life (pump), or copy them once
 * (failed). So a thread waits at most for a few such holds by other threads, each a bounded
 * number of memory operations, never for I/O or user code. `reservedInOrder` is a monitor
 * (BlockHound does not see monitor waits): its holds are as bounded (a deque's add, poll, remove).
 */

/**
 * A {@link RateLimiter} whose sliding windows live in Redis, shared by every instance of
 * an application that names the same limiter: for every limit and every window of its
 * period on the Redis server's clock, at most its {@code max} in total. Each decision is
 * one atomic script call for every limit; a waiter is given its instant by Redis and
 * granted then, in arrival order at the server across instances; waiting holds no thread;
 * a cancelled or timed-out acquire consumes no permit. Created by
 * {@link RedisRateLimiterFactory}.
 */
public final class RedisRateLimiter implements RateLimiter, BackendHealth, Forgettable {

	/**
	 * The most requests one script call decides (waiters, or tries): a bound on the work
	 * of one script run, which blocks the server while it runs.
	 */
	static final int BATCH = 1000;

	private static final Logger logger = LoggerFactory.getLogger(RedisRateLimiter.class);

	private static final String LISTENER = "rate limiter listener";

	private final String name;

	/** The client key, {@code null} for a named limiter. */
	private final @Nullable String clientKey;

	private final RateLimiterConfig config;

	private final Backend backend;

	private final OnBackendFailure onBackendFailure;

	private final RateLimiterListener listener;

	private final Layout layout;

	private final ReentrantLock lock = new ReentrantLock();

	/**
	 * Guarded by {@link #lock}: waiters not yet sent, in arrival order; abandoned ones
	 * are dropped when reached.
	 */
	private final ArrayDeque<RedisWaiter> pending = new ArrayDeque<>(1);

	/** Guarded by {@link #lock}: a call for waiters is in flight. */
	private boolean busy;

	/** Marks a call for tries about to be sent. */
	private static final CompletableFuture<Decision> PLACEHOLDER = new CompletableFuture<>();

	/**
	 * Guarded by {@link #lock}: the call for tries in flight ({@link #PLACEHOLDER} while
	 * being sent), {@code null} while none is.
	 */
	private @Nullable CompletableFuture<Decision> tryCall;

	/** Guarded by {@link #lock}: tries for the next call, in arrival order. */
	private final List<TryRequest> pendingTries = new ArrayList<>();

	/** Live waiters: queued, in flight, or reserved. */
	private final AtomicInteger waiting = new AtomicInteger();

	/**
	 * Guarded by itself: the reserved waiters not yet granted or taken back, in arrival
	 * order, which is the order of their instants.
	 */
	private final ArrayDeque<RedisWaiter> reservedInOrder = new ArrayDeque<>();

	/** As last reported by Redis; 0 after a refusal because Redis could not decide. */
	private volatile int available;

	/**
	 * The tightest limit as Redis last reported it, {@code null} before its first report.
	 */
	private volatile @Nullable Report report;

	/** Held here: the backend holds a named limiter's weakly. */
	private final KeyHealth health;

	/** A named limiter. */
	RedisRateLimiter(String name, RateLimiterConfig config, Backend backend, OnBackendFailure onBackendFailure,
			RateLimiterListener listener) {
		this.name = Checks.notNull(name, "name");
		this.clientKey = null;
		this.config = Checks.notNull(config, "config");
		this.backend = Checks.notNull(backend, "backend");
		this.onBackendFailure = Checks.notNull(onBackendFailure, "onBackendFailure");
		this.listener = Checks.notNull(listener, "listener");
		this.layout = new Layout(Layout.namedKey(backend.keyPrefix, name), config.limits());
		this.available = initialRoom(config.limits());
		this.health = backend.track(name, this.layout.key);
	}

	/** The limiter of one client key under a name. */
	RedisRateLimiter(String name, String clientKey, RateLimiterConfig config, Backend backend,
			OnBackendFailure onBackendFailure, RateLimiterListener listener) {
		this.name = Checks.notNull(name, "name");
		this.clientKey = Checks.notNull(clientKey, "key");
		this.config = Checks.notNull(config, "config");
		this.backend = Checks.notNull(backend, "backend");
		this.onBackendFailure = Checks.notNull(onBackendFailure, "onBackendFailure");
		this.listener = Checks.notNull(listener, "listener");
		Backend.Keyed keyed = backend.keyed(name, config.limits());
		this.layout = keyed.layout().at(Layout.keyedKey(backend.keyPrefix, name, clientKey));
		this.available = initialRoom(config.limits());
		this.health = keyed.health();
	}

	private static int initialRoom(List<Limit> limits) {
		long permits = Long.MAX_VALUE;
		long calls = Long.MAX_VALUE;
		for (Limit limit : limits) {
			if (limit.countsCalls()) {
				calls = Math.min(calls, limit.max());
			}
			else {
				permits = Math.min(permits, limit.max());
			}
		}
		return (int) Math.min(Integer.MAX_VALUE, (permits != Long.MAX_VALUE) ? permits : calls);
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public RateLimiterConfig config() {
		return this.config;
	}

	/**
	 * {@inheritDoc}
	 * @return {@code "redis"}
	 */
	@Override
	public String backend() {
		return "redis";
	}

	/**
	 * What this limiter does when Redis cannot decide.
	 * @return the failure mode
	 */
	public OnBackendFailure onBackendFailure() {
		return this.onBackendFailure;
	}

	/**
	 * {@inheritDoc}
	 * @return the client key, empty for a named limiter
	 */
	@Override
	public Optional<String> key() {
		return Optional.ofNullable(this.clientKey);
	}

	/**
	 * The Redis key of this limiter's first limit's log: for a named limiter the key
	 * prefix and the name in braces ({@code prefix{name}}), for a client key's limiter
	 * the key prefix, {@code k}, and in braces the name, {@code :} and the client key
	 * encoded ({@code prefix k{name:encoded}}: characters outside {@code [A-Za-z0-9._-]}
	 * percent-encoded in UTF-8; a key whose encoding is longer than 64 characters as
	 * {@code ~} and its SHA-256 in base64url). The braces are a hash tag, so Redis
	 * Cluster keeps every key of the limiter on one slot. The other limits' logs are at
	 * {@code key:1}, {@code key:2}..., their running sums at {@code key:sums}, the
	 * definition at {@code key:def}.
	 * @return the key
	 */
	public String redisKey() {
		return this.layout.key;
	}

	/**
	 * The key of the log of one limit.
	 * @param index the limit's index in {@link RateLimiterConfig#limits()}
	 * @return the key
	 */
	String logKey(int index) {
		return this.layout.logKey(index);
	}

	/** The definition this instance stores beside the logs. */
	String definition() {
		return this.layout.definition;
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * As last reported by Redis (other instances may have taken permits since): the room
	 * of the tightest permits-limit (calls-limits only: their room in calls), 0 while
	 * anyone waits here or a reservation lies ahead, and 0 after a call was refused
	 * because Redis could not decide.
	 */
	@Override
	public int availablePermits() {
		return (this.waiting.get() > 0) ? 0 : this.available;
	}

	@Override
	public int waitingCount() {
		return this.waiting.get();
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * As Redis reported it with its latest decision for this limiter (other instances may
	 * have taken permits since): the limit, what was left of it then (0 while anyone
	 * waits here, a reservation lay ahead, or after a refusal because Redis could not
	 * decide), and the time until its oldest entry leaves its window, counted down since.
	 * Before the first decision: the first limit, in full.
	 */
	@Override
	public LimitStatus status() {
		Report report = this.report;
		List<Limit> limits = this.config.limits();
		if (report == null) {
			Limit first = limits.get(0);
			return new LimitStatus(first, (this.waiting.get() > 0) ? 0 : first.max(), Duration.ZERO);
		}
		Limit limit = limits.get(report.limit);
		long remaining = (this.waiting.get() > 0 || this.available == 0) ? 0 : Math.min(report.remaining, limit.max());
		return new LimitStatus(limit, remaining, Duration.ofNanos(Math.max(0, report.resetNanos - System.nanoTime())));
	}

	/**
	 * Whether this limiter of a client key can be dropped by the registry's key table
	 * without loosening its limit. Redis holds the windows: a limiter with no waiter
	 * (queued, in flight or reserved) and no call in flight decides every later request
	 * as a fresh one would. Its last report goes with it: a fresh one reports its first
	 * limit in full until its first decision.
	 * @return whether it can be forgotten now
	 */
	@Override
	public boolean forgettable() {
		acquireLock();
		try {
			return this.waiting.get() == 0 && !this.busy && this.tryCall == null && this.pending.isEmpty()
					&& this.pendingTries.isEmpty();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Keeps what Redis reported with a decision. */
	private void reported(Decision decision) {
		this.available = room(decision);
		int limit = decision.tightest();
		if (limit >= 0 && limit < this.config.limits().size()) {
			this.report = new Report(limit, decision.remaining(), System.nanoTime() + decision.resetMicros() * 1000);
		}
	}

	/**
	 * The tightest limit after a decision.
	 *
	 * @param limit its index
	 * @param remaining what was left of it
	 * @param resetNanos {@code System.nanoTime()} at which its oldest entry leaves its
	 * window
	 */
	private record Report(int limit, long remaining, long resetNanos) {
	}

	@Override
	public CompletableFuture<Void> acquire() {
		return acquire(1);
	}

	@Override
	public CompletableFuture<Void> acquire(Duration timeout) {
		return acquire(1, timeout);
	}

	@Override
	public CompletableFuture<Void> acquire(long permits) {
		this.config.checkPermits(permits);
		Duration timeout = this.config.timeout();
		return (timeout != null) ? acquire(permits, timeout) : enqueue(permits, -1, null);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Fails at once, with the wait Redis computed as its retry-after, when the earliest
	 * instant every limit has room for the permits (behind every request already charged
	 * or reserved, by any instance) lies after the timeout.
	 */
	@Override
	public CompletableFuture<Void> acquire(long permits, Duration timeout) {
		this.config.checkPermits(permits);
		Checks.notNegative(timeout, "timeout");
		return enqueue(permits, Checks.saturatedNanos(timeout), timeout);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Blocks the caller for one round trip to Redis (or the call in flight for other
	 * tries of this instance plus one), at most the command timeout;
	 * {@link #tryAcquireAsync()} does not.
	 */
	@Override
	public boolean tryAcquire() {
		return tryAcquire(1);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Blocks the caller for one round trip to Redis (or the call in flight for other
	 * tries of this instance plus one), at most the command timeout;
	 * {@link #tryAcquireAsync(long)} does not. Never reserves: granted only when every
	 * limit has room now and no reservation lies ahead.
	 */
	@Override
	public boolean tryAcquire(long permits) {
		this.config.checkPermits(permits);
		if (this.waiting.get() > 0) {
			rejected();
			return false;
		}
		TryRequest request = new TryRequest(permits, null);
		submit(request);
		// The caller blocks anyway: it times its wait itself, no timer entry per call.
		awaitDecision(request);
		return request.decided.join();
	}

	@Override
	public CompletableFuture<Boolean> tryAcquireAsync() {
		return tryAcquireAsync(1);
	}

	@Override
	public CompletableFuture<Boolean> tryAcquireAsync(long permits) {
		this.config.checkPermits(permits);
		if (this.waiting.get() > 0) {
			rejected();
			return CompletableFuture.completedFuture(false);
		}
		CompletableFuture<Boolean> result = new CompletableFuture<>();
		submit(new TryRequest(permits, result));
		return result;
	}

	/**
	 * Sends a try in a call of its own, or, while a call for tries is in flight, queues
	 * it for the next call, which decides every try queued meanwhile.
	 */
	private void submit(TryRequest request) {
		acquireLock();
		try {
			if (this.tryCall != null) {
				this.pendingTries.add(request);
				return;
			}
			this.tryCall = PLACEHOLDER;
		}
		finally {
			this.lock.unlock();
		}
		send(List.of(request));
	}

	/** One script call for a batch of tries; under no lock; {@link #tryCall} is set. */
	private void send(List<TryRequest> batch) {
		long[] permits = new long[batch.size()];
		long[] maxWaits = new long[batch.size()];
		boolean timed = false;
		for (int i = 0; i < permits.length; i++) {
			TryRequest request = batch.get(i);
			permits[i] = request.permits;
			maxWaits[i] = -2;
			timed |= (request.result != null);
		}
		CompletableFuture<Decision> call;
		try {
			// Untimed when only blocking callers wait for it: they time it themselves.
			call = this.backend.decide(this.layout, this.health, permits, maxWaits, timed);
		}
		catch (RuntimeException ex) {
			call = CompletableFuture.failedFuture(ex);
		}
		acquireLock();
		try {
			this.tryCall = call;
		}
		finally {
			this.lock.unlock();
		}
		for (TryRequest request : batch) {
			request.call = call;
		}
		call.whenComplete((decision, error) -> triesDecided(batch, decision, error));
	}

	/** The reply of a call for tries: each try as the script decided it. */
	private void triesDecided(List<TryRequest> batch, @Nullable Decision decision, @Nullable Throwable error) {
		// With no try queued the call ends before its callers are woken: a woken caller's
		// next try then starts its own call at once instead of queueing behind this one
		// (and blocking on the lock this thread held). Queued tries are sent after the
		// callers are woken, which lets the woken ones join them (fewer calls).
		boolean ended = endTriesIfNoneQueued();
		if (decision == null) {
			Throwable cause = (error != null) ? Stages.unwrap(error) : null;
			boolean allow = allows(cause);
			if (!allow) {
				this.available = 0;
			}
			for (TryRequest request : batch) {
				if (request.claim()) {
					backendError(cause);
					if (allow) {
						granted(0);
					}
					else {
						rejected();
					}
					request.deliver(allow, null);
				}
			}
		}
		else {
			reported(decision);
			List<String> unclaimed = new ArrayList<>();
			for (int i = 0; i < batch.size(); i++) {
				TryRequest request = batch.get(i);
				boolean charged = decision.charged()[i];
				if (request.claim()) {
					if (charged && !request.isAbandoned()) {
						granted(0);
						this.backend.grantLog.granted(this, decision.serverMicros(), request.permits);
						request.deliver(true, decision.base(i));
						continue;
					}
					rejected();
					request.deliver(false, null);
				}
				if (charged) {
					unclaimed.add(decision.base(i));
					unclaimed.add(Long.toString(request.permits));
				}
			}
			// Charges nobody took (their tries were abandoned) go back.
			this.backend.release(this.layout, unclaimed);
		}
		if (!ended) {
			nextTries();
		}
	}

	/** Ends the call for tries if none is queued for the next one. */
	private boolean endTriesIfNoneQueued() {
		acquireLock();
		try {
			if (this.pendingTries.isEmpty()) {
				this.tryCall = null;
				return true;
			}
			return false;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Sends the tries queued while the previous call was in flight, if any. */
	private void nextTries() {
		List<TryRequest> batch;
		acquireLock();
		try {
			if (this.pendingTries.isEmpty()) {
				this.tryCall = null;
				return;
			}
			List<TryRequest> next = this.pendingTries.subList(0, Math.min(this.pendingTries.size(), BATCH));
			batch = new ArrayList<>(next);
			next.clear();
			this.tryCall = PLACEHOLDER;
		}
		finally {
			this.lock.unlock();
		}
		if (this.waiting.get() > 0) {
			// A waiter came meanwhile: tries never overtake it.
			for (TryRequest request : batch) {
				if (request.claim()) {
					rejected();
					request.deliver(false, null);
				}
			}
			nextTries();
			return;
		}
		send(batch);
	}

	/**
	 * Waits for the decision of a blocking try at most the command timeout, then fails
	 * the call it waits for (its own, or the one in flight before it) and decides it as a
	 * backend failure; a grant that comes later is handed back. Not interruptible, like a
	 * {@code join}; the interrupt status is kept.
	 */
	private void awaitDecision(TryRequest request) {
		CompletableFuture<Boolean> decided = request.decided;
		long deadline = System.nanoTime() + this.backend.commandTimeoutNanos();
		boolean interrupted = false;
		try {
			while (!decided.isDone()) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					CompletableFuture<Decision> call = request.call;
					if (call == null) {
						acquireLock();
						try {
							call = this.tryCall;
						}
						finally {
							this.lock.unlock();
						}
					}
					if (call != null && call != PLACEHOLDER) {
						this.backend.timedOut(call);
					}
					boolean allow = allows(null);
					if (request.claim()) {
						if (!allow) {
							this.available = 0;
						}
						backendError(new RateLimiterBackendException("Redis did not answer rate limiter '" + this.name
								+ "' within " + this.backend.commandTimeout, null));
						if (allow) {
							granted(0);
						}
						else {
							rejected();
						}
						decided.complete(allow);
					}
					else {
						// Claimed by the reply, which completes it next.
						decided.join();
					}
					return;
				}
				try {
					decided.get(left, TimeUnit.NANOSECONDS);
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
				catch (ExecutionException | TimeoutException ex) {
					// The loop decides.
				}
			}
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/**
	 * One {@code tryAcquire} or {@code tryAcquireAsync}: decided once (by a completion of
	 * {@link #decided}), which reports it to the listener.
	 */
	private final class TryRequest {

		final long permits;

		/** The caller's future of {@code tryAcquireAsync}; {@code null} when blocking. */
		final @Nullable CompletableFuture<Boolean> result;

		final CompletableFuture<Boolean> decided = new CompletableFuture<>();

		private final AtomicBoolean claimed = new AtomicBoolean();

		/** The call deciding it, once sent. */
		volatile @Nullable CompletableFuture<Decision> call;

		TryRequest(long permits, @Nullable CompletableFuture<Boolean> result) {
			this.permits = permits;
			this.result = result;
		}

		/**
		 * Takes the one decision of this try; the winner reports it, then completes
		 * {@link #decided} (so a blocking caller sees its event reported).
		 */
		boolean claim() {
			return this.claimed.compareAndSet(false, true);
		}

		/** Its caller cancelled (or completed) the future before it was decided. */
		boolean isAbandoned() {
			return this.result != null && this.result.isDone();
		}

		/**
		 * Completes the caller's future on the wake-up executor; a charge its caller no
		 * longer takes (cancelled meanwhile) goes back.
		 * @param base its member without the weight, when granted by Redis
		 */
		void deliver(boolean granted, @Nullable String base) {
			this.decided.complete(granted);
			CompletableFuture<Boolean> result = this.result;
			if (result == null) {
				return;
			}
			handOver(() -> {
				if (!result.complete(granted) && base != null) {
					RedisRateLimiter.this.backend.release(RedisRateLimiter.this.layout,
							List.of(base, Long.toString(this.permits)));
				}
			});
		}

	}

	/**
	 * @param timeoutNanos how long to wait, or a negative value for no limit
	 */
	private CompletableFuture<Void> enqueue(long permits, long timeoutNanos, @Nullable Duration timeout) {
		RedisWaiter waiter = new RedisWaiter(this, System.nanoTime(), permits, timeoutNanos, WorkScope.current());
		acquireLock();
		try {
			this.pending.add(waiter);
			this.waiting.incrementAndGet();
		}
		finally {
			this.lock.unlock();
		}
		WorkScope scope = waiter.scope();
		if (scope != null) {
			// Work of a deadline scope: the deadline
			// cancels the wait (it leaves the queue).
			scope.register(waiter);
		}
		if (timeoutNanos > 0) {
			// For a waiter not yet reserved (queued, or its call in flight): once
			// reserved,
			// it is granted within its timeout.
			Duration limit = Checks.notNull(timeout, "timeout");
			waiter.startTimeout(this.backend.scheduler.schedule(this.backend.executor, () -> timeOut(waiter, limit),
					timeoutNanos, TimeUnit.NANOSECONDS));
		}
		pump();
		return waiter;
	}

	/**
	 * Takes {@link #lock}: the only call of {@code lock()}, the wait that the Redis
	 * module's BlockHound integration allows on a non-blocking thread (every hold of the
	 * lock is a bounded critical section: see the implementation notes).
	 */
	private void acquireLock() {
		this.lock.lock();
	}

	/** Asks Redis for the queued waiters, unless a call for waiters is in flight. */
	private void pump() {
		List<RedisWaiter> batch = new ArrayList<>();
		acquireLock();
		try {
			if (this.busy) {
				return;
			}
			RedisWaiter waiter;
			while (batch.size() < BATCH && (waiter = this.pending.poll()) != null) {
				if (waiter.isWaiting()) {
					batch.add(waiter);
				}
			}
			if (batch.isEmpty()) {
				return;
			}
			this.busy = true;
		}
		finally {
			this.lock.unlock();
		}
		long now = System.nanoTime();
		long[] permits = new long[batch.size()];
		long[] maxWaits = new long[batch.size()];
		for (int i = 0; i < permits.length; i++) {
			RedisWaiter waiter = batch.get(i);
			permits[i] = waiter.permits;
			maxWaits[i] = waiter.maxWaitMicros(now);
		}
		CompletableFuture<Decision> call;
		try {
			call = this.backend.decide(this.layout, this.health, permits, maxWaits, true);
		}
		catch (RuntimeException ex) {
			call = CompletableFuture.failedFuture(ex);
		}
		call.whenComplete((decision, error) -> decided(batch, decision, error));
	}

	/** The reply of a call for waiters. */
	private void decided(List<RedisWaiter> batch, @Nullable Decision decision, @Nullable Throwable error) {
		if (decision == null) {
			failed(batch, (error != null) ? Stages.unwrap(error) : null);
			return;
		}
		reported(decision);
		List<String> unclaimed = new ArrayList<>();
		for (int i = 0; i < batch.size(); i++) {
			RedisWaiter waiter = batch.get(i);
			long wait = decision.waitMicros()[i];
			if (!decision.charged()[i]) {
				refused(waiter, wait);
			}
			else if (waiter.gaveUp) {
				// Abandoned while its call was in flight: nobody was granted its charge.
				unclaimed.add(decision.base(i));
				unclaimed.add(Long.toString(waiter.permits));
			}
			else if (wait <= 0) {
				if (waiter.decideGrant()) {
					this.waiting.decrementAndGet();
					grantReported(waiter, decision.serverMicros());
					handOver(waiter::grant);
				}
				else {
					unclaimed.add(decision.base(i));
					unclaimed.add(Long.toString(waiter.permits));
				}
			}
			else {
				reserved(waiter, decision.base(i), decision.serverMicros() + wait, wait);
			}
		}
		this.backend.release(this.layout, unclaimed);
		acquireLock();
		try {
			this.busy = false;
		}
		finally {
			this.lock.unlock();
		}
		pump();
	}

	/** Redis placed the waiter at an instant within its timeout: granted then. */
	private void reserved(RedisWaiter waiter, String base, long instantMicros, long waitMicros) {
		waiter.reservation = base;
		waiter.reservedMicros = instantMicros;
		synchronized (this.reservedInOrder) {
			this.reservedInOrder.addLast(waiter);
		}
		try {
			waiter.grantTimer = this.backend.scheduler.schedule(this.backend.executor, () -> grantDue(waiter),
					waitMicros, TimeUnit.MICROSECONDS);
		}
		catch (RuntimeException ex) {
			// No timer to grant it: it must not be granted before its instant.
			RateLimiterBackendException failure = new RateLimiterBackendException(
					"Rate limiter '" + this.name + "' could not schedule a reserved grant", ex);
			if (waiter.decideFailure(failure)) {
				this.waiting.decrementAndGet();
				rejected();
				handOver(() -> waiter.fail(failure));
			}
			takeBack(waiter);
			return;
		}
		if (waiter.gaveUp) {
			// Abandoned meanwhile (its abandon may have run before the reservation was
			// known). Not merely decided: its timer may have granted it already.
			takeBack(waiter);
		}
	}

	/**
	 * Grants, in arrival order, every reserved waiter whose instant is no later than that
	 * of the waiter whose timer fired. Timers due together run on the executor in any
	 * order, and timers set from replies handled after different delays fire with
	 * different offsets: a later waiter's may fire first. Each timer fires after its
	 * instant, and the instants follow arrival order, so the earlier waiters' instants
	 * have come too: they are granted first.
	 */
	private void grantDue(RedisWaiter fired) {
		List<RedisWaiter> granted = new ArrayList<>(1);
		synchronized (this.reservedInOrder) {
			RedisWaiter head;
			while ((head = this.reservedInOrder.peekFirst()) != null && head.reservedMicros <= fired.reservedMicros) {
				this.reservedInOrder.pollFirst();
				if (head.decideGrant()) {
					granted.add(head);
				}
			}
		}
		for (RedisWaiter waiter : granted) {
			if (waiter != fired) {
				Future<?> timer = waiter.grantTimer;
				if (timer != null) {
					timer.cancel(false);
				}
			}
			this.waiting.decrementAndGet();
			grantReported(waiter, waiter.reservedMicros);
			waiter.grant();
		}
	}

	/** Its instant lies after its timeout: refused at once, charging nothing. */
	private void refused(RedisWaiter waiter, long waitMicros) {
		Duration after = (waitMicros >= 0) ? Duration.ofNanos(waitMicros * 1000) : null;
		Duration timeout = Duration.ofNanos(Math.max(0, waiter.timeoutNanos));
		PermitTimeoutException failure = new PermitTimeoutException("Rate limiter permits (" + waiter.permits
				+ ") not granted within " + timeout + ": the earliest grant is in " + after, after);
		if (waiter.decideFailure(failure)) {
			this.waiting.decrementAndGet();
			rejected();
			handOver(() -> waiter.fail(failure));
		}
	}

	/**
	 * A call for waiters that Redis could not decide: its waiters and every waiter queued
	 * now are decided together (reserved ones keep their instants).
	 */
	private void failed(List<RedisWaiter> batch, @Nullable Throwable cause) {
		RateLimiterBackendException failure = backendException(cause);
		boolean allow = allows(cause);
		if (!allow) {
			this.available = 0;
		}
		List<RedisWaiter> all = new ArrayList<>(batch);
		acquireLock();
		try {
			all.addAll(this.pending);
			this.pending.clear();
			this.busy = false;
		}
		finally {
			this.lock.unlock();
		}
		List<RedisWaiter> decided = new ArrayList<>();
		for (RedisWaiter waiter : all) {
			boolean won = allow ? waiter.decideGrant() : waiter.decideFailure(failure);
			if (won) {
				this.waiting.decrementAndGet();
				decided.add(waiter);
			}
		}
		backendError(cause);
		for (RedisWaiter waiter : decided) {
			if (allow) {
				granted(System.nanoTime() - waiter.arrival);
				handOver(waiter::grant);
			}
			else {
				rejected();
				handOver(() -> waiter.fail(failure));
			}
		}
	}

	/** A waiter gave up (cancel, completion by its caller, its timeout). */
	void abandoned(RedisWaiter waiter) {
		// Before takeBack reads the reservation: reserved() writes it, then reads this.
		waiter.gaveUp = true;
		this.waiting.decrementAndGet();
		takeBack(waiter);
	}

	/**
	 * Takes an abandoned waiter's reservation back, once: it lost the CAS, so nobody was
	 * granted it, even if its instant has come on the server's clock.
	 */
	private void takeBack(RedisWaiter waiter) {
		String base = waiter.reservation;
		if (base == null || !waiter.released.compareAndSet(false, true)) {
			return;
		}
		Future<?> timer = waiter.grantTimer;
		if (timer != null) {
			timer.cancel(false);
		}
		synchronized (this.reservedInOrder) {
			this.reservedInOrder.remove(waiter);
		}
		this.backend.release(this.layout, List.of(base, Long.toString(waiter.permits)));
	}

	private void timeOut(RedisWaiter waiter, Duration timeout) {
		if (waiter.reservation != null) {
			// Redis placed it within its timeout: it is granted then.
			return;
		}
		if (waiter.abandon()) {
			abandoned(waiter);
			rejected();
			waiter.fail(new PermitTimeoutException("Rate limiter permits (" + waiter.permits + ") not granted within "
					+ timeout + ": Redis did not answer in time", null));
		}
	}

	private void grantReported(RedisWaiter waiter, long instantMicros) {
		granted(System.nanoTime() - waiter.arrival);
		this.backend.grantLog.granted(this, instantMicros, waiter.permits);
	}

	private static int room(Decision decision) {
		return (int) Math.min(Integer.MAX_VALUE, decision.available());
	}

	/**
	 * Completes a future on the wake-up executor, never on Lettuce's thread; inline if
	 * the executor refuses.
	 */
	private void handOver(Runnable completion) {
		try {
			this.backend.executor.execute(completion);
		}
		catch (RuntimeException ex) {
			completion.run();
		}
	}

	/**
	 * Whether a call that Redis could not decide is granted: in {@code ALLOW} mode,
	 * unless Redis refused for another definition of the limiter (granting would break
	 * the limits the other instances keep) or answered with an error reply (it is there
	 * and refuses).
	 * @param cause why it could not decide, {@code null} for no reply
	 */
	private boolean allows(@Nullable Throwable cause) {
		return this.onBackendFailure == OnBackendFailure.ALLOW
				&& !(cause instanceof Decision.DefinitionMismatchException)
				&& (cause == null || !Backend.isErrorReply(cause));
	}

	private RateLimiterBackendException backendException(@Nullable Throwable cause) {
		if (cause instanceof RateLimiterBackendException backendException) {
			return backendException;
		}
		String key = this.layout.key;
		if (cause instanceof Decision.DefinitionMismatchException mismatch) {
			String definitionKey = key + WindowScript.DEFINITION_SUFFIX;
			return new RateLimiterBackendException("Rate limiter '" + this.name + "' is defined here as "
					+ this.layout.definition + " but as " + mismatch.stored
					+ " by an instance that shares it (Redis key " + definitionKey
					+ "); every instance must define a shared limiter alike, so this one is refused. To change a "
					+ "limit, give the new definition a new name, or delete " + definitionKey
					+ " once every instance runs the new definition (it also expires one period after the "
					+ "latest grant)", cause);
		}
		if (cause != null && Backend.isErrorReply(cause)) {
			return new RateLimiterBackendException("Redis answered rate limiter '" + this.name + "' (key " + key
					+ ") with an error, so it grants nothing until Redis decides again, whatever on-backend-failure "
					+ "says: " + cause.getMessage(), cause);
		}
		return new RateLimiterBackendException("Redis could not decide for rate limiter '" + this.name + "' (key " + key
				+ "): " + ((cause != null) ? cause.getMessage() : "no reply"), cause);
	}

	private void granted(long waitNanos) {
		Guard.run(() -> this.listener.granted(this, waitNanos), LISTENER, this);
	}

	private void rejected() {
		Guard.run(() -> this.listener.rejected(this), LISTENER, this);
	}

	private void backendError(@Nullable Throwable cause) {
		if (cause instanceof Decision.DefinitionMismatchException
				&& this.health.mismatchLogged.compareAndSet(false, true)) {
			// Loud once: every call of this instance
			// is refused until the definitions agree.
			logger.warn(backendException(cause).getMessage());
		}
		Throwable error = (cause != null) ? cause : new IllegalStateException("No reply");
		Guard.run(() -> this.listener.backendError(this, error), LISTENER, this);
	}

	/**
	 * Whether Redis answers for this limiter's key: the connection is open and the latest
	 * call, or probe of the key while nobody calls (every
	 * {@linkplain RedisRateLimiterFactory.Builder#probeInterval(Duration) probe
	 * interval}), got an answer within the command timeout. An error reply counts as an
	 * answer: the server is there.
	 */
	@Override
	public boolean isBackendReachable() {
		return this.backend.isReachable(this.health);
	}

	/**
	 * {@inheritDoc}
	 * @return {@code true} in {@link OnBackendFailure#ALLOW} mode
	 */
	@Override
	public boolean grantsWhenUnreachable() {
		return this.onBackendFailure == OnBackendFailure.ALLOW;
	}

	@Override
	public String toString() {
		return "RedisRateLimiter[name=" + this.name + ", redisKey=" + this.layout.key + ", " + this.layout.definition
				+ ", onBackendFailure=" + this.onBackendFailure + "]";
	}

}
