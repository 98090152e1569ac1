package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import io.lionherd.concurrency.Stages;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.Guard;
import io.lionherd.concurrency.internal.WorkScope;
import io.lionherd.concurrency.ratelimit.BackendHealth;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
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
 * The window lives in Redis: a sorted set of grant times per limiter name, decided by one atomic
 * script call (sliding-window.lua) on the server's clock. This class only queues the callers of
 * one instance and asks Redis for them.
 *
 * Waiting. Every acquire joins a FIFO queue. At most one script call is in flight for the queue
 * (`busy`), asking for as many permits as there are live waiters (up to BATCH): the reply's
 * grants go to the head waiters in order. If waiters remain, the reply also says when the oldest
 * grant leaves the window, and the next call is made then (plus a random delay of at most
 * JITTER_MICROS: every instance wakes at that instant, and the first call to arrive takes what
 * freed), on the library's timer; until then `busy` stays set, so later arrivals queue behind.
 * No thread waits: replies are handled on Lettuce's threads and futures are completed on the
 * wake-up executor.
 *
 * Waking. Room can also free early: a grant nobody took is handed back, here or in another
 * instance. The hand-back script publishes on the limiter's channel (key + ":wake"), every
 * factory subscribes to its limiters' channels (WakeUps), and a message moves the pending call
 * to now (`wake`); a message that comes while the call is in flight sets `woken`, so a refusal
 * the call brings back is asked again at once. While the subscription is not confirmed (no
 * pub/sub connection, or it is lost), waiters sleep at most POLL_MICROS.
 *
 * Consuming no permit. A waiter is decided once, by a CAS (RedisWaiter): granted, failed, or
 * abandoned (cancel, timeout). A grant whose head waiter was abandoned meanwhile goes to the next
 * live waiter; grants nobody takes are handed back (ZREM of their members), so they count in no
 * window. A reply arriving after its call timed out is handed back the same way (Backend).
 *
 * tryAcquire never overtakes: with live waiters it answers false without asking Redis. Tries
 * are batched like waiters: at most one call for tries is in flight (`tryCall`); tries arriving
 * meanwhile queue (`pendingTries`) and share the next call, which takes the first BATCH of them
 * and asks for as many permits as it took (up to maxCalls); the first live tries get the
 * grants, the rest false, and grants nobody takes (a cancelled tryAcquireAsync) go back. A
 * queued try waits for the call in flight plus its own (plus one per BATCH tries queued before
 * it in a burst); if a waiter arrived meanwhile, the queued tries answer false
 * without a call. Each try is decided once (its `decided` future), which reports it to the
 * listener. A call only blocking tryAcquires wait for has no timer entry: each caller waits at
 * most the command timeout, then fails the call it waits for and answers as for a backend error.
 *
 * Backend failures. A failed or timed-out call decides every waiter queued at that moment
 * together: all failed (FAIL) or all granted (ALLOW). Another instance's definition of the
 * limit (the script's refusal, Decision.DefinitionMismatchException) fails them in both modes.
 * Lettuce reconnects by itself; the next call after the server is back just works (the script
 * is re-sent if the server lost it).
 * An error reply (WRONGTYPE, OOM, NOPERM...) is no outage either: the server is there and
 * refuses, so the limiter refuses too, in ALLOW mode as well (Backend.isErrorReply); the
 * backend logs it once per cause and stays reachable. A refusal sets `available` to 0.
 */

/**
 * A {@link RateLimiter} whose sliding window lives in Redis, shared by every instance of
 * an application that names the same limiter: in every window of {@code period} on the
 * Redis server's clock, at most {@code maxCalls} permits in total. Each decision is one
 * atomic script call; waiting holds no thread; waiters of one instance are served in
 * arrival order; a cancelled or timed-out acquire consumes no permit. Created by
 * {@link RedisRateLimiterFactory}.
 */
public final class RedisRateLimiter implements RateLimiter, BackendHealth {

	/**
	 * The most permits one script call asks for (head waiters, or tries): a bound on the
	 * work of one script run, which blocks the server while it runs.
	 */
	static final int BATCH = 1000;

	/** The longest a waiter sleeps while no hand-back can wake it. */
	private static final long POLL_MICROS = 1_000_000;

	/**
	 * The longest random delay before a call for waiters whose permit frees (every
	 * instance wakes at that same instant).
	 */
	private static final long JITTER_MICROS = 2_000;

	private static final Logger logger = LoggerFactory.getLogger(RedisRateLimiter.class);

	private static final String LISTENER = "rate limiter listener";

	private final String name;

	private final RateLimiterConfig config;

	private final Backend backend;

	private final WakeUps wakeUps;

	private final OnBackendFailure onBackendFailure;

	private final RateLimiterListener listener;

	private final String key;

	private final String channel;

	private final int maxCalls;

	private final long periodMicros;

	private final ReentrantLock lock = new ReentrantLock();

	/**
	 * Guarded by {@link #lock}: waiters in arrival order; abandoned ones are dropped when
	 * reached.
	 */
	private final ArrayDeque<RedisWaiter> queue = new ArrayDeque<>();

	/** Guarded by {@link #lock}: a call for the queue is in flight or scheduled. */
	private boolean busy;

	/**
	 * Guarded by {@link #lock}: a hand-back freed room since the call for the queue was
	 * sent, so its refusal may be stale.
	 */
	private boolean woken;

	/**
	 * Guarded by {@link #lock}: the pending call for the queue when the next permit
	 * frees, {@code null} while none is scheduled.
	 */
	private @Nullable Future<?> retry;

	/** Marks a call for tries about to be sent. */
	private static final CompletableFuture<Decision> PLACEHOLDER = new CompletableFuture<>();

	/**
	 * Guarded by {@link #lock}: the call for tries in flight ({@link #PLACEHOLDER} while
	 * being sent), {@code null} while none is.
	 */
	private @Nullable CompletableFuture<Decision> tryCall;

	/** Guarded by {@link #lock}: tries for the next call, in arrival order. */
	private final List<TryRequest> pendingTries = new ArrayList<>();

	/** Live waiters. */
	private final AtomicInteger waiting = new AtomicInteger();

	/** Whether this instance logged that another defines the limiter differently. */
	private final AtomicBoolean mismatchLogged = new AtomicBoolean();

	/** As last reported by Redis; 0 after a refusal because Redis could not decide. */
	private volatile int available;

	/** Held here: the backend holds it weakly. */
	private final KeyHealth health;

	RedisRateLimiter(String name, RateLimiterConfig config, Backend backend, WakeUps wakeUps,
			OnBackendFailure onBackendFailure, RateLimiterListener listener) {
		this.name = Checks.notNull(name, "name");
		this.config = Checks.notNull(config, "config");
		if (config.limits().size() != 1) {
			// Temporary: the script decides one window.
			throw new UnsupportedOperationException("Rate limiter '" + name + "' has " + config.limits().size()
					+ " limits " + config.limits() + ": several limits are not yet supported by the Redis backend");
		}
		this.backend = Checks.notNull(backend, "backend");
		this.wakeUps = Checks.notNull(wakeUps, "wakeUps");
		this.onBackendFailure = Checks.notNull(onBackendFailure, "onBackendFailure");
		this.listener = Checks.notNull(listener, "listener");
		this.key = backend.keyPrefix + "{" + name + "}";
		this.channel = this.key + WindowScript.WAKE_SUFFIX;
		this.maxCalls = config.maxCalls();
		this.periodMicros = Math.max(1, Checks.saturatedNanos(config.period()) / 1000);
		this.available = this.maxCalls;
		this.health = backend.track(name, this.key);
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
	 * The Redis key of this limiter's window: the key prefix and the name in braces (a
	 * hash tag, so Redis Cluster keeps it on one slot).
	 * @return the key
	 */
	public String key() {
		return this.key;
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * As last reported by Redis (other instances may have taken permits since), 0 while
	 * anyone waits here, and 0 after a call was refused because Redis could not decide.
	 */
	@Override
	public int availablePermits() {
		return (this.waiting.get() > 0) ? 0 : this.available;
	}

	@Override
	public int waitingCount() {
		return this.waiting.get();
	}

	@Override
	public CompletableFuture<Void> acquire() {
		Duration timeout = this.config.timeout();
		return (timeout != null) ? acquire(timeout) : enqueue(-1, null);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * For now 1 permit only: more are not yet supported by the Redis backend.
	 */
	@Override
	public CompletableFuture<Void> acquire(long permits) {
		onePermit(permits);
		return acquire();
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * For now 1 permit only: more are not yet supported by the Redis backend.
	 */
	@Override
	public CompletableFuture<Void> acquire(long permits, Duration timeout) {
		onePermit(permits);
		return acquire(timeout);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * For now 1 permit only: more are not yet supported by the Redis backend.
	 */
	@Override
	public boolean tryAcquire(long permits) {
		onePermit(permits);
		return tryAcquire();
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * For now 1 permit only: more are not yet supported by the Redis backend.
	 */
	@Override
	public CompletableFuture<Boolean> tryAcquireAsync(long permits) {
		onePermit(permits);
		return tryAcquireAsync();
	}

	/** Temporary: the script counts one permit per request. */
	private void onePermit(long permits) {
		this.config.checkPermits(permits);
		if (permits != 1) {
			throw new UnsupportedOperationException("Rate limiter '" + this.name + "' was asked for " + permits
					+ " permits at once: more than 1 is not yet supported by the Redis backend");
		}
	}

	@Override
	public CompletableFuture<Void> acquire(Duration timeout) {
		Checks.notNegative(timeout, "timeout");
		if (timeout.isZero()) {
			return acquireNow(timeout);
		}
		return enqueue(Checks.saturatedNanos(timeout), timeout);
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
		if (this.waiting.get() > 0) {
			rejected();
			return false;
		}
		TryRequest request = new TryRequest(null);
		submit(request);
		// The caller blocks anyway: it times its wait itself, no timer entry per call.
		awaitDecision(request);
		return request.decided.join();
	}

	@Override
	public CompletableFuture<Boolean> tryAcquireAsync() {
		if (this.waiting.get() > 0) {
			rejected();
			return CompletableFuture.completedFuture(false);
		}
		CompletableFuture<Boolean> result = new CompletableFuture<>();
		submit(new TryRequest(result));
		return result;
	}

	/**
	 * Sends a try in a call of its own, or, while a call for tries is in flight, queues
	 * it for the next call, which asks for the permits of every try queued meanwhile.
	 */
	private void submit(TryRequest request) {
		this.lock.lock();
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
		// At most BATCH tries (nextTries): the rest wait for the next call.
		int want = Math.min(batch.size(), this.maxCalls);
		boolean timed = false;
		for (TryRequest request : batch) {
			timed |= (request.result != null);
		}
		CompletableFuture<Decision> call;
		try {
			// Untimed when only blocking callers wait for it: they time it themselves.
			call = this.backend.decide(this.key, this.maxCalls, this.periodMicros, want, timed);
		}
		catch (RuntimeException ex) {
			call = CompletableFuture.failedFuture(ex);
		}
		this.lock.lock();
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

	/** The reply of a call for tries: the first live tries get its grants. */
	private void triesDecided(List<TryRequest> batch, @Nullable Decision decision, @Nullable Throwable error) {
		// With no try queued the call ends before its callers are woken: a caller woken
		// while this thread still held the lock blocked on it. Queued tries are sent
		// after the callers are woken, which lets the woken ones join them (fewer calls).
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
					request.deliver(allow, null, 0);
				}
			}
		}
		else {
			this.available = decision.available();
			int next = 1;
			for (TryRequest request : batch) {
				boolean grant = next <= decision.granted() && !request.isAbandoned();
				if (request.claim()) {
					if (grant) {
						granted(0);
						this.backend.grantLog.granted(this, decision.serverMicros());
						request.deliver(true, decision.token(), next);
						next++;
					}
					else {
						rejected();
						request.deliver(false, null, 0);
					}
				}
			}
			// Grants nobody took (their tries were abandoned) go back.
			this.backend.release(this.key, decision, next - 1);
		}
		if (!ended) {
			nextTries();
		}
	}

	/** Ends the call for tries if none is queued for the next one. */
	private boolean endTriesIfNoneQueued() {
		this.lock.lock();
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
		this.lock.lock();
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
					request.deliver(false, null, 0);
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
						this.lock.lock();
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

		/** The caller's future of {@code tryAcquireAsync}; {@code null} when blocking. */
		final @Nullable CompletableFuture<Boolean> result;

		final CompletableFuture<Boolean> decided = new CompletableFuture<>();

		private final AtomicBoolean claimed = new AtomicBoolean();

		/** The call deciding it, once sent. */
		volatile @Nullable CompletableFuture<Decision> call;

		TryRequest(@Nullable CompletableFuture<Boolean> result) {
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
		 * Completes the caller's future on the wake-up executor; a permit its caller no
		 * longer takes (cancelled meanwhile) goes back.
		 * @param token the token of the granting call, {@code null} for no grant
		 * @param index which of its grants is this one's
		 */
		void deliver(boolean granted, @Nullable String token, int index) {
			this.decided.complete(granted);
			CompletableFuture<Boolean> result = this.result;
			if (result == null) {
				return;
			}
			handOver(() -> {
				if (!result.complete(granted) && token != null) {
					// Its member is named only here: most grants are taken.
					RedisRateLimiter.this.backend.releaseMembers(RedisRateLimiter.this.key, token + ":" + index);
				}
			});
		}

	}

	/** {@code acquire(ZERO)}: one attempt, never queued, never overtaking. */
	private CompletableFuture<Void> acquireNow(Duration timeout) {
		if (this.waiting.get() > 0) {
			rejected();
			return CompletableFuture.failedFuture(timeoutException(timeout));
		}
		CompletableFuture<Void> result = new CompletableFuture<>();
		attempt().whenComplete((decision, error) -> handOver(() -> {
			if (error != null) {
				result.completeExceptionally(Stages.unwrap(error));
			}
			else if (decision != null && decision.granted() == 0) {
				result.completeExceptionally(timeoutException(timeout));
			}
			else if (!result.complete(null) && decision != null) {
				this.backend.release(this.key, decision, 0);
			}
		}));
		return result;
	}

	/**
	 * One call for one permit, outside the queue; reports the outcome to the listener.
	 * @return the decision; {@code null} for a permit allowed while Redis failed; fails
	 * with {@link RateLimiterBackendException} while Redis fails in {@code FAIL} mode
	 */
	private CompletableFuture<@Nullable Decision> attempt() {
		return attempt(this.backend.decide(this.key, this.maxCalls, this.periodMicros, 1));
	}

	private CompletableFuture<@Nullable Decision> attempt(CompletableFuture<Decision> call) {
		return call.handle((decision, error) -> {
			if (error != null) {
				Throwable cause = Stages.unwrap(error);
				backendError(cause);
				if (allows(cause)) {
					granted(0);
					return null;
				}
				this.available = 0;
				rejected();
				throw new CompletionException(backendException(cause));
			}
			if (decision.granted() > 0) {
				this.available = decision.available();
				granted(0);
				this.backend.grantLog.granted(this, decision.serverMicros());
			}
			else {
				this.available = 0;
				rejected();
			}
			return decision;
		});
	}

	/**
	 * @param timeoutNanos how long to wait, or a negative value for no limit
	 */
	private CompletableFuture<Void> enqueue(long timeoutNanos, @Nullable Duration timeout) {
		RedisWaiter waiter = new RedisWaiter(this, System.nanoTime(), WorkScope.current());
		this.lock.lock();
		try {
			this.queue.add(waiter);
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
			Duration limit = Checks.notNull(timeout, "timeout");
			waiter.startTimeout(this.backend.scheduler.schedule(this.backend.executor, () -> timeOut(waiter, limit),
					timeoutNanos, TimeUnit.NANOSECONDS));
		}
		pump();
		return waiter;
	}

	/** Asks Redis for the head waiters, unless a call for them is in flight or due. */
	private void pump() {
		int want;
		this.lock.lock();
		try {
			if (this.busy) {
				// Waiting for the next permit while the connection is lost: find out now,
				// so the waiters fail (or are allowed) within the command timeout.
				Future<?> retry = this.retry;
				if (retry == null || !this.backend.connector.isDown()) {
					return;
				}
				retry.cancel(false);
				this.retry = null;
				this.busy = false;
			}
			dropAbandonedHeads();
			want = Math.min(this.waiting.get(), Math.min(BATCH, this.maxCalls));
			if (want <= 0 || this.queue.isEmpty()) {
				return;
			}
			this.busy = true;
			this.woken = false;
		}
		finally {
			this.lock.unlock();
		}
		CompletableFuture<Decision> call;
		try {
			call = this.backend.decide(this.key, this.maxCalls, this.periodMicros, want);
		}
		catch (RuntimeException ex) {
			call = CompletableFuture.failedFuture(ex);
		}
		call.whenComplete(this::decided);
	}

	/** Under the lock. */
	private void dropAbandonedHeads() {
		RedisWaiter head;
		while ((head = this.queue.peek()) != null && !head.isWaiting()) {
			this.queue.poll();
		}
	}

	/** The reply of a call for the head waiters. */
	private void decided(@Nullable Decision decision, @Nullable Throwable error) {
		List<RedisWaiter> decided = new ArrayList<>();
		boolean again = false;
		long retryMicros = 0;
		int taken = 0;
		Throwable cause = (error != null) ? Stages.unwrap(error) : null;
		RateLimiterBackendException failure = (cause != null || decision == null) ? backendException(cause) : null;
		boolean allow = allows(cause);
		this.lock.lock();
		try {
			if (failure != null) {
				if (!allow) {
					this.available = 0;
				}
				// Every waiter queued now is decided together.
				RedisWaiter waiter;
				while ((waiter = this.queue.poll()) != null) {
					boolean won = allow ? waiter.decideGrant() : waiter.decideFailure(failure);
					if (won) {
						this.waiting.decrementAndGet();
						decided.add(waiter);
					}
				}
				this.busy = false;
			}
			else {
				while (taken < decision.granted()) {
					RedisWaiter waiter = this.queue.poll();
					if (waiter == null) {
						break;
					}
					if (waiter.decideGrant()) {
						this.waiting.decrementAndGet();
						decided.add(waiter);
						taken++;
					}
				}
				this.available = decision.available();
				dropAbandonedHeads();
				if (this.queue.isEmpty()) {
					this.busy = false;
				}
				else if (decision.available() > 0 || decision.waitMicros() <= 0 || this.woken) {
					// Room, or a hand-back since the call was sent: ask again now.
					this.busy = false;
					again = true;
				}
				else {
					retryMicros = decision.waitMicros();
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		if (again) {
			// The next call before handing out this one's grants (a hand-over each), so
			// its round trip starts first.
			pump();
		}
		if (failure == null) {
			this.backend.release(this.key, decision, taken);
			for (RedisWaiter waiter : decided) {
				granted(System.nanoTime() - waiter.arrival);
				this.backend.grantLog.granted(this, decision.serverMicros());
				handOver(waiter::grant);
			}
			if (retryMicros > 0) {
				if (!this.wakeUps.isListening(this.channel)) {
					// No hand-back can wake the waiters: they look again now and then.
					retryMicros = Math.min(retryMicros, POLL_MICROS);
				}
				// Every waiting instance wakes at the same instant: a random delay makes
				// the first to ask a matter of chance, not of a shorter round trip.
				scheduleRetry(retryMicros + jitterMicros());
			}
		}
		else {
			backendError(cause);
			for (RedisWaiter waiter : decided) {
				if (allow) {
					granted(System.nanoTime() - waiter.arrival);
					handOver(waiter::grant);
				}
				else {
					handOver(() -> waiter.fail(failure));
				}
			}
		}
	}

	private void scheduleRetry(long micros) {
		boolean refused = false;
		this.lock.lock();
		try {
			RetryTask task = new RetryTask();
			// A hand-back since the call was sent (its wake-up found no timer to move).
			long delay = this.woken ? Math.min(micros, jitterMicros()) : micros;
			try {
				// Under the lock: the task cannot run before it knows its timer.
				task.timer = this.backend.scheduler.schedule(this.backend.executor, task, delay, TimeUnit.MICROSECONDS);
				this.retry = task.timer;
			}
			catch (RuntimeException ex) {
				this.busy = false;
				refused = true;
			}
		}
		finally {
			this.lock.unlock();
		}
		if (refused) {
			pump();
		}
	}

	/**
	 * A hand-back freed room in the window (a grant nobody took, here or in another
	 * instance): waiters ask again at once (after a random delay of at most
	 * {@link #JITTER_MICROS}, like the waiters of every other instance woken with them),
	 * not at the time their latest reply named.
	 */
	void wake() {
		this.lock.lock();
		try {
			this.woken = true;
			Future<?> pending = this.retry;
			if (pending == null) {
				// Nobody waits, or a call is in flight: its reply sees woken.
				return;
			}
			pending.cancel(false);
			this.retry = null;
		}
		finally {
			this.lock.unlock();
		}
		scheduleRetry(jitterMicros());
	}

	/**
	 * Whether a hand-back of a grant in this limiter's window, by any instance, wakes
	 * this limiter's waiters now (its pub/sub subscription is confirmed and its
	 * connection open).
	 */
	boolean isWokenByHandBacks() {
		return this.wakeUps.isListening(this.channel);
	}

	private long jitterMicros() {
		long bound = Math.min(JITTER_MICROS, this.periodMicros / 16);
		return (bound > 0) ? ThreadLocalRandom.current().nextLong(bound + 1) : 0;
	}

	/** The call for the queue when the next permit frees. */
	private final class RetryTask implements Runnable {

		volatile @Nullable Future<?> timer;

		@Override
		public void run() {
			ReentrantLock lock = RedisRateLimiter.this.lock;
			lock.lock();
			try {
				// Superseded if pump() cancelled it (connection lost) and called at once.
				if (RedisRateLimiter.this.retry == null || RedisRateLimiter.this.retry != this.timer) {
					return;
				}
				RedisRateLimiter.this.retry = null;
				RedisRateLimiter.this.busy = false;
			}
			finally {
				lock.unlock();
			}
			pump();
		}

	}

	/** A waiter gave up (cancel, completion by its caller). */
	void abandoned(RedisWaiter waiter) {
		this.waiting.decrementAndGet();
	}

	private void timeOut(RedisWaiter waiter, Duration timeout) {
		if (waiter.abandon()) {
			abandoned(waiter);
			rejected();
			waiter.fail(timeoutException(timeout));
		}
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
	 * unless Redis refused for another definition of the limit (granting would break the
	 * limit the other instances keep) or answered with an error reply (it is there and
	 * refuses).
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
		if (cause instanceof Decision.DefinitionMismatchException mismatch) {
			String definitionKey = this.key + WindowScript.DEFINITION_SUFFIX;
			return new RateLimiterBackendException("Rate limiter '" + this.name + "' is defined here as "
					+ WindowScript.definition(this.maxCalls, this.periodMicros) + " but as " + mismatch.stored
					+ " by an instance that shares it (Redis key " + definitionKey
					+ "); every instance must define a shared limiter alike, so this one is refused. To change a "
					+ "limit, give the new definition a new name, or delete " + definitionKey
					+ " once every instance runs the new definition (it also expires one period after the "
					+ "latest grant)", cause);
		}
		if (cause != null && Backend.isErrorReply(cause)) {
			return new RateLimiterBackendException("Redis answered rate limiter '" + this.name + "' (key " + this.key
					+ ") with an error, so it grants nothing until Redis decides again, whatever on-backend-failure "
					+ "says: " + cause.getMessage(), cause);
		}
		return new RateLimiterBackendException("Redis could not decide for rate limiter '" + this.name + "' (key "
				+ this.key + "): " + ((cause != null) ? cause.getMessage() : "no reply"), cause);
	}

	private static TimeoutException timeoutException(Duration timeout) {
		return new TimeoutException("Rate limiter permit not granted within " + timeout);
	}

	private void granted(long waitNanos) {
		Guard.run(() -> this.listener.granted(this, waitNanos), LISTENER, this);
	}

	private void rejected() {
		Guard.run(() -> this.listener.rejected(this), LISTENER, this);
	}

	private void backendError(@Nullable Throwable cause) {
		if (cause instanceof Decision.DefinitionMismatchException && this.mismatchLogged.compareAndSet(false, true)) {
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
		return "RedisRateLimiter[name=" + this.name + ", key=" + this.key + ", maxCalls=" + this.maxCalls + ", period="
				+ this.config.period() + ", onBackendFailure=" + this.onBackendFailure + "]";
	}

}
