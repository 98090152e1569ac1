package io.lionherd.concurrency.capacity.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.Stages;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitConfig;
import io.lionherd.concurrency.capacity.ConcurrencyLimitExceededException;
import io.lionherd.concurrency.capacity.ConcurrencyLimitListener;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.Guard;
import io.lionherd.concurrency.ratelimit.BackendHealth;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import io.lionherd.concurrency.ratelimit.RateLimiterBackendException;
import io.lionherd.concurrency.redis.internal.RedisReplies;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Implementation notes.
 *
 * Holders. Per limit a sorted set at <prefix>{<name>} of permit ids (this instance's UUID and
 * a counter) scored by the end of each one's lease in milliseconds on the SERVER's clock (the
 * scripts read TIME), the definition (total=<n>) at <prefix>{<name>}:def; one hash tag, so one
 * Cluster slot (HolderScripts). A holder whose lease ended counts for nobody: the acquire script
 * drops such entries before it counts. Holding at most `total` is the script's alone to decide,
 * atomically, so no interleaving of instances (or of an instance's own calls) can exceed it.
 *
 * Acquire: one EVALSHA (LuaScript: EVAL only if the server lost the script). It grants when
 * fewer than `total` hold, and always answers the holders and the time until the earliest lease
 * ends. Release: one EVALSHA (ZREM, and a PUBLISH of the holders left on <key>:released if it
 * still held), sent at once when the permit is closed.
 *
 * Waiting. This instance's waiters queue FIFO (`queue`) and hold no thread. An acquire with
 * nobody queued asks Redis at once (several such asks may be in flight); refused, it joins the
 * queue. For the queue at most one ask is in flight, the head's (`headInFlight`); it is sent
 * when (a) a release is published on the limit's channel by any instance (pub/sub, subscribed
 * per limit; Lettuce subscribes again after reconnecting), (b) this instance's own release
 * freed a holder, (c) the earliest lease reported by the latest refusal ends (`wake`: a holder
 * that crashed frees its permit then, and nobody publishes that), (d) the head was granted and
 * the reply leaves room for the next. A refusal computed before a release but read after its
 * message came is caught by `releases` (a count of messages read before the ask was sent): the
 * head asks again at once. No polling: without releases, a queue asks once per earliest lease
 * end, i.e. about once per lease/3 while the holders renew.
 *
 * A lost message (the pub/sub connection dropped, or the subscription was not confirmed yet)
 * strands nobody: every refusal schedules the wake at the earliest lease end it read, and every
 * holder's lease ends at most `lease` after its last renewal, so the head asks again within one
 * lease at the latest; the renewing holders push that end forward, the head then asks again at
 * the new one. A message delivered twice costs one extra ask.
 *
 * Renewal. While this instance holds permits of a limit, one EVALSHA every lease/3 renews them
 * all (ZADD XX, now + lease, per id): the cost is one round trip per limit per instance per
 * lease/3 (every 10 s with the default 30 s lease), O(k log n) work on the server for k permits
 * held, nothing while nothing is held. A permit the script finds gone (its lease ended during a
 * pause longer than two thirds of the lease, or the key was deleted) is not revived: it is
 * reported as a backend error to the listener and logged as a warning once, and its holder runs
 * on unlimited; closing it later is harmless (its ZREM finds nothing). A crashed instance's
 * permits therefore come back at most `lease` after its last renewal, i.e. within lease +
 * lease/3 of its last sign of life.
 *
 * Giving up. Each waiter is decided once, by its future (a CAS): a timeout or cancel completes
 * it and removes it from the queue, taking nothing; a grant for a waiter already decided (an
 * ask in flight when it timed out, a reply after the command timeout) is released at once.
 *
 * Backend failures. A failed ask (no reply, the command timeout, a lost connection) decides its
 * waiter and every waiter queued then together: failed with RateLimiterBackendException (FAIL),
 * or granted permits that hold nothing in Redis (ALLOW: unlimited while unreachable; closing
 * them sends nothing). Another instance's definition, and an error reply of a server that is
 * there, refuse in both modes. A failed release or renewal is logged: the lease ends the hold.
 *
 * Counts. inUse() is the holders as the latest reply or message said; waitingCount() this
 * instance's queue. Futures complete on the executor, never on Lettuce's threads.
 *
 * Non-blocking threads. A subscription of ConcurrencyLimitOperator on a Reactor or Netty
 * event-loop thread calls acquire there (and closes its permit there), which takes `lock`; a
 * thread that finds it held parks, which BlockHound reports. The Redis module's
 * LionherdRedisBlockHoundIntegration allows exactly that wait: acquireLock(), the one method
 * that calls lock.lock(), and nothing done while holding it. The wait is bounded because every
 * hold of `lock` is: it reads and writes this object's fields and `queue`, and schedules or
 * cancels at most one timer entry (`wake`, `renewal`: with the default scheduler a heap insert
 * or removal under its queue's lock, which Reactor's and the core's integrations allow); no
 * Redis call (a failed subscription is renewed after unlock), no logging, no listener, no
 * completion of a caller's future (grants and refusals are handed over after unlock), no other
 * lock of ours. Its loops run over `queue`: askForHead drops waiters already decided, each once
 * in its life; failed copies it once.
 */

/**
 * A {@link ConcurrencyLimit} shared by every instance through Redis: at most
 * {@code total} permits held at once by all of them together, each held as a lease on the
 * server's clock that its holder renews while it runs. Created by
 * {@link RedisConcurrencyLimitFactory}.
 */
final class RedisConcurrencyLimit implements ConcurrencyLimit, BackendHealth {

	private static final Logger logger = LoggerFactory.getLogger(RedisConcurrencyLimit.class);

	private static final String LISTENER = "concurrency limit listener";

	private final String name;

	private final ConcurrencyLimitConfig config;

	private final SharedConnections shared;

	private final OnBackendFailure onBackendFailure;

	private final ConcurrencyLimitListener listener;

	final String key;

	final String definitionKey;

	final String channel;

	final String definition;

	private final String[] keys;

	private final String[] holderKeys;

	private final String totalArg;

	private final String leaseArg;

	private final long renewIntervalNanos;

	private volatile int inUse;

	private volatile boolean reachable = true;

	private final AtomicBoolean probing = new AtomicBoolean();

	private final AtomicBoolean mismatchLogged = new AtomicBoolean();

	/** This instance's permits that hold in Redis, renewed every lease/3. */
	private final Set<HeldPermit> held = ConcurrentHashMap.newKeySet();

	private final ReentrantLock lock = new ReentrantLock();

	/** Guarded by {@link #lock}: the waiters, in arrival order. */
	private final LinkedHashSet<Waiter> queue = new LinkedHashSet<>();

	/** Guarded by {@link #lock}: the head's ask is in flight. */
	private boolean headInFlight;

	/** Guarded by {@link #lock}: how many release messages were read. */
	private long releases;

	/** Guarded by {@link #lock}: the wake-up at the earliest lease end, and when. */
	private @Nullable Future<?> wake;

	private long wakeAt;

	/** Guarded by {@link #lock}: the next renewal, while permits are held. */
	private @Nullable Future<?> renewal;

	/** Guarded by {@link #lock}. */
	private CompletableFuture<Void> subscription;

	RedisConcurrencyLimit(String name, ConcurrencyLimitConfig config, SharedConnections shared,
			OnBackendFailure onBackendFailure, ConcurrencyLimitListener listener) {
		this.name = Checks.notNull(name, "name");
		this.config = Checks.notNull(config, "config");
		this.listener = Checks.notNull(listener, "listener");
		this.shared = shared;
		this.onBackendFailure = onBackendFailure;
		this.key = shared.keyPrefix + "{" + name + "}";
		this.definitionKey = this.key + HolderScripts.DEFINITION_SUFFIX;
		this.channel = this.key + HolderScripts.CHANNEL_SUFFIX;
		this.definition = "total=" + config.total();
		this.keys = new String[] { this.key, this.definitionKey };
		this.holderKeys = new String[] { this.key };
		this.totalArg = Integer.toString(config.total());
		this.leaseArg = Long.toString(config.lease().toMillis());
		this.renewIntervalNanos = config.lease().toNanos() / 3;
		this.subscription = subscribed(shared.subscribe(this.channel, this));
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
	public String backend() {
		return "redis";
	}

	/**
	 * Where its holders live in Redis: a sorted set of permit ids scored by the end of
	 * their lease (milliseconds, server clock), beside its definition ({@code :def}).
	 * @return the key
	 */
	String redisKey() {
		return this.key;
	}

	@Override
	public CompletableFuture<CapacityLimiter.Permit> acquire() {
		return acquireWithin(this.config.timeout());
	}

	@Override
	public CompletableFuture<CapacityLimiter.Permit> acquire(Duration timeout) {
		return acquireWithin(Checks.notNegative(timeout, "timeout"));
	}

	private CompletableFuture<CapacityLimiter.Permit> acquireWithin(@Nullable Duration timeout) {
		Waiter waiter = new Waiter(timeout, this.shared.ticker.read());
		boolean direct;
		long seen;
		CompletableFuture<Void> resubscription;
		acquireLock();
		try {
			resubscription = resubscriptionIfFailed();
			direct = this.queue.isEmpty();
			seen = this.releases;
			if (!direct && !waiter.now) {
				this.queue.add(waiter);
			}
		}
		finally {
			this.lock.unlock();
		}
		if (resubscription != null) {
			// Not under the lock: it sends a command, or opens the connection.
			resubscribe(resubscription);
		}
		if (!direct && waiter.now) {
			// Never ahead of this instance's waiters; they found no room.
			reject(waiter);
			return waiter.future;
		}
		if (timeout != null && !waiter.now) {
			waiter.timer = this.shared.schedule(() -> timeOut(waiter), timeout.toNanos());
		}
		waiter.future.whenComplete((permit, error) -> {
			if (waiter.future.isCancelled()) {
				abandon(waiter);
			}
		});
		if (direct) {
			ask(waiter, seen, false);
		}
		return waiter.future;
	}

	/**
	 * Asks Redis for a permit for {@code waiter}, the head of the queue or not yet in it.
	 */
	private void ask(Waiter waiter, long seen, boolean head) {
		String id = this.shared.nextPermitId();
		CompletableFuture<List<Object>> reply;
		try {
			reply = this.shared.run(HolderScripts.ACQUIRE, (late) -> {
				if ((Long) late.get(0) == 1) {
					// Granted after the call timed out: nobody holds it.
					release(new HeldPermit(id));
				}
			}, this.keys, this.definition, this.totalArg, id, this.leaseArg);
		}
		catch (RuntimeException ex) {
			reply = CompletableFuture.failedFuture(ex);
		}
		reply.whenComplete((values, error) -> {
			if (error != null) {
				failed(waiter, head, Stages.unwrap(error));
				return;
			}
			try {
				answered(waiter, id, seen, head, values);
			}
			catch (RuntimeException ex) {
				failed(waiter, head, ex);
			}
		});
	}

	private void answered(Waiter waiter, String id, long seen, boolean head, List<Object> reply) {
		long status = (Long) reply.get(0);
		if (status < 0) {
			failed(waiter, head, new DefinitionMismatchException(String.valueOf(reply.get(4))));
			return;
		}
		this.reachable = true;
		int holders = (int) (long) (Long) reply.get(1);
		long earliestMillis = (Long) reply.get(2);
		this.inUse = holders;
		boolean granted = status == 1;
		boolean askAgain = false;
		boolean refuse = false;
		acquireLock();
		try {
			if (head) {
				this.headInFlight = false;
				if (granted) {
					this.queue.remove(waiter);
				}
				// Refused, it keeps its place in front.
			}
			else if (!granted && !waiter.future.isDone()) {
				if (waiter.now) {
					refuse = true;
				}
				else {
					this.queue.add(waiter);
				}
			}
			if (!this.queue.isEmpty()) {
				if (this.releases != seen || (granted && holders < this.config.total())) {
					askAgain = true;
				}
				else {
					wakeAt(earliestMillis);
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		if (granted) {
			HeldPermit permit = new HeldPermit(id);
			this.shared.holderLog.granted(this.name, id, (Long) reply.get(3));
			hold(permit);
			this.shared.handOver(() -> grant(waiter, permit));
		}
		else if (refuse) {
			this.shared.handOver(() -> reject(waiter));
		}
		if (askAgain) {
			askForHead();
		}
	}

	/** Sends the head's ask unless one is in flight. */
	private void askForHead() {
		Waiter head = null;
		long seen;
		acquireLock();
		try {
			if (this.headInFlight) {
				return;
			}
			for (Iterator<Waiter> waiters = this.queue.iterator(); waiters.hasNext();) {
				Waiter waiter = waiters.next();
				if (!waiter.future.isDone()) {
					head = waiter;
					break;
				}
				waiters.remove();
			}
			if (head == null) {
				return;
			}
			this.headInFlight = true;
			seen = this.releases;
		}
		finally {
			this.lock.unlock();
		}
		ask(head, seen, true);
	}

	/** Under the lock: wakes the head when the earliest lease ends, unless sooner. */
	private void wakeAt(long earliestMillis) {
		long delay = Math.max(1, earliestMillis + 1) * 1_000_000L;
		long at = this.shared.ticker.read() + delay;
		Future<?> current = this.wake;
		if (current != null && !current.isDone() && this.wakeAt - at <= 0) {
			return;
		}
		if (current != null) {
			current.cancel(false);
		}
		this.wakeAt = at;
		this.wake = this.shared.schedule(this::askForHead, delay);
	}

	/**
	 * A release published by any instance (this one's included): the head asks again.
	 * @param holders the holders left, as published
	 */
	void releasedElsewhere(String holders) {
		try {
			this.inUse = Integer.parseInt(holders);
		}
		catch (NumberFormatException ex) {
			// Not ours: still a reason to ask.
		}
		boolean waiting;
		acquireLock();
		try {
			this.releases++;
			waiting = !this.queue.isEmpty();
		}
		finally {
			this.lock.unlock();
		}
		if (waiting) {
			askForHead();
		}
	}

	private void grant(Waiter waiter, CapacityLimiter.Permit permit) {
		cancelTimer(waiter);
		if (waiter.future.complete(permit)) {
			long waited = Math.max(0, this.shared.ticker.read() - waiter.start);
			Guard.run(() -> this.listener.acquired(this, waited), LISTENER, this);
		}
		else {
			// Decided meanwhile (timed out, cancelled): nobody holds it.
			permit.close();
		}
	}

	private void reject(Waiter waiter) {
		if (waiter.future.completeExceptionally(new ConcurrencyLimitExceededException(this.name,
				"No permit of concurrency limit '" + this.name + "' within " + waiter.timeout + " ("
						+ this.config.total() + " in use by every instance)",
				null))) {
			Guard.run(() -> this.listener.rejected(this), LISTENER, this);
		}
	}

	private void timeOut(Waiter waiter) {
		// Out of the queue first: whoever sees the refusal sees it gone.
		abandon(waiter);
		reject(waiter);
	}

	/** A waiter that gave up: out of the queue; an ask in flight for it is undone. */
	private void abandon(Waiter waiter) {
		cancelTimer(waiter);
		acquireLock();
		try {
			this.queue.remove(waiter);
		}
		finally {
			this.lock.unlock();
		}
	}

	private static void cancelTimer(Waiter waiter) {
		Future<?> timer = waiter.timer;
		if (timer != null) {
			timer.cancel(false);
		}
	}

	/**
	 * Redis could not decide for {@code waiter}: it and every waiter queued now are
	 * failed, or granted unlimited permits, as configured.
	 */
	private void failed(Waiter waiter, boolean head, Throwable cause) {
		if (!(cause instanceof DefinitionMismatchException)) {
			this.reachable = RedisReplies.isErrorReply(cause);
		}
		else {
			this.reachable = true;
		}
		List<Waiter> decided = new ArrayList<>();
		acquireLock();
		try {
			if (head) {
				this.headInFlight = false;
			}
			decided.add(waiter);
			for (Waiter queued : this.queue) {
				if (queued != waiter) {
					decided.add(queued);
				}
			}
			this.queue.clear();
		}
		finally {
			this.lock.unlock();
		}
		backendError(cause);
		boolean allow = allows(cause);
		this.shared.handOver(() -> {
			for (Waiter each : decided) {
				if (allow) {
					grant(each, new UnlimitedPermit());
				}
				else {
					cancelTimer(each);
					each.future.completeExceptionally(backendException(cause));
				}
			}
		});
	}

	private boolean allows(Throwable cause) {
		return this.onBackendFailure == OnBackendFailure.ALLOW && !(cause instanceof DefinitionMismatchException)
				&& !RedisReplies.isErrorReply(cause);
	}

	private RateLimiterBackendException backendException(Throwable cause) {
		if (cause instanceof DefinitionMismatchException mismatch) {
			return new RateLimiterBackendException("Concurrency limit '" + this.name + "' is defined here as "
					+ this.definition + " but as " + mismatch.stored + " by an instance that shares it (Redis key "
					+ this.definitionKey + "); every instance must define a shared limit alike, so this one is "
					+ "refused. To change the total, give the new definition a new name, or delete "
					+ this.definitionKey + " once every instance runs the new definition (it also expires one "
					+ "lease after the latest grant or renewal)", cause);
		}
		if (RedisReplies.isErrorReply(cause)) {
			return new RateLimiterBackendException("Redis answered concurrency limit '" + this.name + "' (key "
					+ this.key + ") with an error, so it grants nothing until Redis decides again, whatever "
					+ "on-backend-failure says: " + cause.getMessage(), cause);
		}
		return new RateLimiterBackendException("Redis could not decide for concurrency limit '" + this.name + "' (key "
				+ this.key + "): " + cause.getMessage(), cause);
	}

	private void backendError(Throwable cause) {
		if (cause instanceof DefinitionMismatchException && this.mismatchLogged.compareAndSet(false, true)) {
			// Loud once: every call of this instance is refused until the definitions
			// agree.
			logger.warn(backendException(cause).getMessage());
		}
		Guard.run(() -> this.listener.backendError(this, cause), LISTENER, this);
	}

	/** A permit that holds in Redis: renewed from now on until closed. */
	private void hold(HeldPermit permit) {
		this.held.add(permit);
		acquireLock();
		try {
			if (this.renewal == null) {
				this.renewal = this.shared.schedule(this::renew, this.renewIntervalNanos);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** One round trip renews every permit this instance holds. */
	private void renew() {
		List<HeldPermit> renewed = new ArrayList<>(this.held);
		acquireLock();
		try {
			if (this.held.isEmpty() || this.shared.closed) {
				this.renewal = null;
				return;
			}
			this.renewal = this.shared.schedule(this::renew, this.renewIntervalNanos);
		}
		finally {
			this.lock.unlock();
		}
		if (renewed.isEmpty()) {
			return;
		}
		String[] args = new String[1 + renewed.size()];
		args[0] = this.leaseArg;
		for (int i = 0; i < renewed.size(); i++) {
			args[1 + i] = renewed.get(i).id;
		}
		this.shared.run(HolderScripts.RENEW, RedisConcurrencyLimit::ignore, this.keys, args)
			.whenComplete((reply, error) -> {
				if (error != null) {
					Throwable cause = Stages.unwrap(error);
					this.reachable = RedisReplies.isErrorReply(cause);
					logger.debug("Could not renew the {} permits of concurrency limit '{}' held here", renewed.size(),
							this.name, cause);
					return;
				}
				this.reachable = true;
				this.inUse = (int) (long) (Long) reply.get(0);
				if (reply.size() > 2) {
					Set<Object> lost = new HashSet<>(reply.subList(2, reply.size()));
					for (HeldPermit permit : renewed) {
						if (lost.contains(permit.id) && this.held.remove(permit)) {
							lost(permit);
						}
					}
				}
			});
	}

	private void lost(HeldPermit permit) {
		IllegalStateException error = new IllegalStateException("A permit of concurrency limit '" + this.name + "' (id "
				+ permit.id + " at key " + this.key + ") outlived its lease of " + this.config.lease()
				+ " before it was renewed (a pause longer than the lease?): another instance may hold it now, "
				+ "so its holder runs beyond the limit until it ends");
		logger.warn(error.getMessage());
		Guard.run(() -> this.listener.backendError(this, error), LISTENER, this);
	}

	private void release(HeldPermit permit) {
		this.held.remove(permit);
		CompletableFuture<List<Object>> reply;
		try {
			reply = this.shared.run(HolderScripts.RELEASE, RedisConcurrencyLimit::ignore, this.holderKeys, permit.id,
					this.channel);
		}
		catch (RuntimeException ex) {
			reply = CompletableFuture.failedFuture(ex);
		}
		reply.whenComplete((values, error) -> {
			if (error != null) {
				Throwable cause = Stages.unwrap(error);
				this.reachable = RedisReplies.isErrorReply(cause);
				// Its lease ends the hold.
				logger.debug("Could not release a permit of concurrency limit '{}'; it is free once its lease ends",
						this.name, cause);
				return;
			}
			this.reachable = true;
			boolean removed = (Long) values.get(0) == 1;
			this.inUse = (int) (long) (Long) values.get(1);
			this.shared.holderLog.released(this.name, permit.id, (Long) values.get(2), removed);
			if (removed) {
				boolean waiting;
				acquireLock();
				try {
					waiting = !this.queue.isEmpty();
				}
				finally {
					this.lock.unlock();
				}
				if (waiting) {
					askForHead();
				}
			}
		});
	}

	private static void ignore(List<Object> lateReply) {
	}

	/**
	 * Takes {@link #lock}: the only call of {@code lock()}, the wait that the Redis
	 * module's BlockHound integration allows on a non-blocking thread (every hold of the
	 * lock is a bounded critical section: see the implementation notes).
	 */
	private void acquireLock() {
		this.lock.lock();
	}

	/**
	 * Under the lock: if the latest attempt to subscribe failed, the subscription that
	 * replaces it, to be made by {@link #resubscribe} once the lock is released;
	 * {@code null} if none is needed.
	 */
	private @Nullable CompletableFuture<Void> resubscriptionIfFailed() {
		if (!this.subscription.isCompletedExceptionally()) {
			return null;
		}
		CompletableFuture<Void> next = new CompletableFuture<>();
		this.subscription = next;
		return next;
	}

	/** Subscribes again, completing {@code next} with the outcome. */
	private void resubscribe(CompletableFuture<Void> next) {
		CompletableFuture<Void> subscribing;
		try {
			subscribing = this.shared.resubscribe(this.channel);
		}
		catch (RuntimeException ex) {
			subscribing = CompletableFuture.failedFuture(ex);
		}
		subscribed(subscribing).whenComplete((ignored, error) -> {
			if (error != null) {
				next.completeExceptionally(error);
			}
			else {
				next.complete(null);
			}
		});
	}

	/** Once subscribed, the head asks: a release may have gone unheard before. */
	private CompletableFuture<Void> subscribed(CompletableFuture<Void> subscribing) {
		subscribing.whenComplete((ignored, error) -> {
			if (error == null) {
				askForHead();
			}
			else {
				logger.debug("Could not subscribe to the releases of concurrency limit '{}'", this.name, error);
			}
		});
		return subscribing;
	}

	@Override
	public int inUse() {
		return this.inUse;
	}

	@Override
	public int waitingCount() {
		acquireLock();
		try {
			return this.queue.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Whether Redis answers for this limit: the connection is open and the latest call
	 * got an answer (an error reply counts: the server is there). While it does not, each
	 * question also sends a probe, bounded by the command timeout, so that a recovered
	 * server is seen even when no call comes.
	 */
	@Override
	public boolean isBackendReachable() {
		boolean answers = this.reachable && !this.shared.commands.isDown() && !this.shared.commands.failedToOpen();
		if (!answers && this.probing.compareAndSet(false, true)) {
			this.shared.probe(this.key).whenComplete((reachable, error) -> {
				this.reachable = Boolean.TRUE.equals(reachable);
				this.probing.set(false);
			});
		}
		return answers;
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
		return "ConcurrencyLimit[name=" + this.name + ", backend=redis, redisKey=" + this.key + ", total="
				+ this.config.total() + ", lease=" + this.config.lease() + ", inUse=" + this.inUse + ", waiting="
				+ waitingCount() + ", onBackendFailure=" + this.onBackendFailure + "]";
	}

	/** An acquire: decided once, by its future. */
	private static final class Waiter {

		final CompletableFuture<CapacityLimiter.Permit> future = new CompletableFuture<>();

		final @Nullable Duration timeout;

		/** A zero timeout: grant now or refuse now. */
		final boolean now;

		final long start;

		volatile @Nullable Future<?> timer;

		Waiter(@Nullable Duration timeout, long start) {
			this.timeout = timeout;
			this.now = timeout != null && timeout.isZero();
			this.start = start;
		}

	}

	/** A permit held in Redis until closed or its lease ends. */
	private final class HeldPermit implements CapacityLimiter.Permit {

		final String id;

		private final AtomicBoolean closed = new AtomicBoolean();

		HeldPermit(String id) {
			this.id = id;
		}

		@Override
		public void close() {
			if (this.closed.compareAndSet(false, true)) {
				release(this);
			}
		}

		@Override
		public String toString() {
			return "Permit[" + RedisConcurrencyLimit.this.name + ", " + this.id + "]";
		}

	}

	/** A permit granted while Redis could not decide (ALLOW): it holds nothing. */
	private static final class UnlimitedPermit implements CapacityLimiter.Permit {

		@Override
		public void close() {
		}

	}

	/** Another instance stored another definition of the limit. */
	static final class DefinitionMismatchException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		final String stored;

		DefinitionMismatchException(String stored) {
			super("Another definition is stored: " + stored, null, false, false);
			this.stored = stored;
		}

	}

}
