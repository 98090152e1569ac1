package io.lionherd.concurrency.ratelimit.redis;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lionherd.concurrency.DelayScheduler;
import io.lionherd.concurrency.Stages;
import io.lionherd.concurrency.Ticker;
import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.redis.internal.Connector;
import io.lionherd.concurrency.redis.internal.RedisReplies;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the limiters of one {@link RedisRateLimiterFactory} share: the connection, the
 * script, the timer and the command timeout, this instance's unique id, and the health of
 * each limiter's key, kept up to date between calls by a probe of idle keys.
 */
final class Backend {

	private static final Logger logger = LoggerFactory.getLogger(Backend.class);

	final Connector connector;

	final DelayScheduler scheduler;

	final Executor executor;

	final String keyPrefix;

	final Duration commandTimeout;

	private final long commandTimeoutNanos;

	final WindowScript script;

	final GrantLog grantLog;

	/** Makes every member unique across instances (with {@link #calls}). */
	private final String instanceId = UUID.randomUUID().toString();

	private final AtomicLong calls = new AtomicLong();

	private final long probeIntervalNanos;

	/**
	 * The health of every key a live limiter uses; weakly held (a limiter nobody uses any
	 * more is neither kept nor probed).
	 */
	private final Map<String, WeakReference<KeyHealth>> keys = new ConcurrentHashMap<>();

	/** Per name with client keys: what their limiters share. */
	private final Map<String, Keyed> keyedNames = new ConcurrentHashMap<>();

	/** Guarded by {@link #keys}: the next round of the probe, once a limiter exists. */
	private @Nullable Future<?> nextProbe;

	/** Guarded by {@link #keys}. */
	private boolean closed;

	/** The clock of the command timeouts: the scheduler's own when it has one (tests). */
	private final Ticker ticker;

	private final ReentrantLock deadlinesLock = new ReentrantLock();

	/**
	 * Guarded by {@link #deadlinesLock}: the timed calls in flight, in the order sent, so
	 * in the order of their deadlines (one command timeout each). One timer entry, for
	 * the oldest, times them all out: a timer entry per call woke the timer thread on
	 * every call (each new entry was the earliest), a thread switch per decision.
	 */
	private final ArrayDeque<Deadline> deadlines = new ArrayDeque<>();

	/** Guarded by {@link #deadlinesLock}: the timer entry for the oldest is pending. */
	private boolean sweepScheduled;

	/** Guarded by {@link #deadlinesLock}: that entry, for {@link #close}. */
	private @Nullable Future<?> sweep;

	/**
	 * Guarded by {@link #deadlinesLock}: closed; calls made now fail with the closed
	 * connection, untimed.
	 */
	private boolean deadlinesClosed;

	Backend(Connector connector, DelayScheduler scheduler, Executor executor, String keyPrefix, Duration commandTimeout,
			Duration probeInterval, WindowScript script, GrantLog grantLog) {
		this.connector = connector;
		this.scheduler = scheduler;
		this.executor = executor;
		this.keyPrefix = keyPrefix;
		this.commandTimeout = commandTimeout;
		this.commandTimeoutNanos = commandTimeout.toNanos();
		this.probeIntervalNanos = probeInterval.toNanos();
		this.script = script;
		this.grantLog = grantLog;
		this.ticker = (scheduler instanceof Ticker clock) ? clock : Ticker.system();
	}

	/**
	 * The health of a limiter's key, shared by the limiters of this backend with that
	 * key; probed while idle from now on, as long as the limiter lives.
	 * @param name the limiter's name, for the log
	 * @param key its key
	 * @return its health, to be held by the limiter
	 */
	KeyHealth track(String name, String key) {
		KeyHealth health;
		synchronized (this.keys) {
			KeyHealth existing = health(key);
			health = (existing != null) ? existing : new KeyHealth(name, key);
			if (existing == null) {
				this.keys.put(key, new WeakReference<>(health));
			}
			if (!this.closed && this.nextProbe == null) {
				this.nextProbe = this.scheduler.schedule(this.executor, this::probeIdleKeys, this.probeIntervalNanos,
						TimeUnit.NANOSECONDS);
			}
		}
		return health;
	}

	/**
	 * What the limiters of one name's client keys share: the layout of their limits (its
	 * argument strings) and one health, which is not probed while idle (a probe per
	 * client key would send thousands of commands per round), and logs an error reply
	 * once for all of them.
	 * @param name the name
	 * @param limits its limits
	 * @return what they share
	 */
	Keyed keyed(String name, List<Limit> limits) {
		Keyed keyed = this.keyedNames.get(name);
		if (keyed != null && keyed.limits.equals(limits)) {
			return keyed;
		}
		// Held for good: one per name.
		Keyed created = new Keyed(limits, new Layout(Layout.keyedKey(this.keyPrefix, name, "*"), limits),
				new KeyHealth(name, this.keyPrefix + "k{" + name + ":*}"));
		this.keyedNames.put(name, created);
		return created;
	}

	/** What the limiters of one name's client keys share. */
	record Keyed(List<Limit> limits, Layout layout, KeyHealth health) {
	}

	private @Nullable KeyHealth health(String key) {
		WeakReference<KeyHealth> health = this.keys.get(key);
		return (health != null) ? health.get() : null;
	}

	/**
	 * Runs one decision for a batch of requests, timed by the library's timer or, when
	 * {@code timed} is false, by a caller that blocks for it anyway and calls
	 * {@link #timedOut} after the command timeout (no timer entry per call: that costs a
	 * timer-thread wake-up on every blocking {@code tryAcquire}). Fails with the
	 * backend's error, or a {@link RedisCommandTimeoutException} after the command
	 * timeout; what a reply that arrives later charged is taken back.
	 * @param permits per request, its permits
	 * @param maxWaitMicros per request, the longest wait it accepts (-1: no limit, -2: a
	 * try)
	 */
	CompletableFuture<Decision> decide(Layout layout, KeyHealth health, long[] permits, long[] maxWaitMicros,
			boolean timed) {
		String token = this.instanceId + ":" + this.calls.incrementAndGet();
		if (this.connector.isDown()) {
			// Lettuce queues commands until it reconnects: the call
			// would end at the command timeout, after any caller's
			// own shorter timeout, a refusal even in ALLOW mode.
			RedisConnectionException lost = new RedisConnectionException(
					"The connection to Redis is lost; Lettuce is reconnecting");
			health.replied(lost);
			return CompletableFuture.failedFuture(lost);
		}
		int requests = permits.length;
		String[] args = new String[2 + layout.limitArgs.length + 2 * requests];
		args[0] = layout.definition;
		args[1] = token;
		System.arraycopy(layout.limitArgs, 0, args, 2, layout.limitArgs.length);
		for (int i = 0, at = 2 + layout.limitArgs.length; i < requests; i++, at += 2) {
			args[at] = Long.toString(permits[i]);
			args[at + 1] = Long.toString(maxWaitMicros[i]);
		}
		CompletableFuture<Decision> result = new CompletableFuture<>();
		if (timed) {
			timeOutLater(result);
		}
		String[] keys = layout.scriptKeys;
		RedisScriptingAsyncCommands<String, String> open = this.connector.openCommands();
		CompletableFuture<List<Object>> reply = (open != null) ? this.script.run(open, keys, args)
				: this.connector.commands().thenCompose((commands) -> this.script.run(commands, keys, args));
		result.whenComplete((decision, error) -> {
			if (error instanceof RedisCommandTimeoutException) {
				health.reachable = false;
			}
		});
		reply.whenComplete((values, error) -> {
			Throwable cause = (error != null) ? Stages.unwrap(error) : null;
			health.replied(cause);
			if (cause != null) {
				result.completeExceptionally(cause);
				return;
			}
			Decision decision;
			try {
				decision = Decision.of(values, token, requests);
			}
			catch (RuntimeException ex) {
				result.completeExceptionally(ex);
				return;
			}
			if (!result.complete(decision)) {
				// Nobody waits for it any more: neither its grants nor its reservations
				// are anyone's.
				List<String> charges = new ArrayList<>();
				for (int i = 0; i < requests; i++) {
					if (decision.charged()[i]) {
						charges.add(decision.base(i));
						charges.add(Long.toString(permits[i]));
					}
				}
				release(layout, charges);
			}
		});
		return result;
	}

	/**
	 * Fails the call after the command timeout unless it is decided by then: queued
	 * behind the calls in flight, timed by the one timer entry for the oldest.
	 */
	private void timeOutLater(CompletableFuture<Decision> call) {
		Deadline deadline = new Deadline(call, this.ticker.read() + this.commandTimeoutNanos);
		boolean schedule;
		acquireLock();
		try {
			dropDecided();
			this.deadlines.add(deadline);
			schedule = !this.sweepScheduled;
			this.sweepScheduled = true;
		}
		finally {
			this.deadlinesLock.unlock();
		}
		if (schedule) {
			try {
				scheduleSweep(this.commandTimeoutNanos);
			}
			catch (RuntimeException ex) {
				acquireLock();
				try {
					this.deadlines.remove(deadline);
				}
				finally {
					this.deadlinesLock.unlock();
				}
				throw ex;
			}
		}
	}

	/**
	 * Takes {@link #deadlinesLock}: the only call of {@code lock()}, the wait that the
	 * Redis module's BlockHound integration allows on a non-blocking thread (a limiter's
	 * acquire there sends a timed call). Every hold is bounded: it reads and writes the
	 * queue of deadlines and its flags, with loops that drop decided or expired entries,
	 * each entry once in its life, and schedules or cancels at most one timer entry
	 * ({@code scheduleSweep}: with the default scheduler a heap insert under its queue's
	 * lock, which Reactor's integration allows); no Redis call, no logging, no completion
	 * of a future (the expired calls are failed after unlock).
	 */
	private void acquireLock() {
		this.deadlinesLock.lock();
	}

	/**
	 * Under {@link #deadlinesLock}: replies come in the order sent (one connection), so
	 * the decided calls are at the head.
	 */
	private void dropDecided() {
		Deadline head;
		while ((head = this.deadlines.peek()) != null && head.call.isDone()) {
			this.deadlines.poll();
		}
	}

	private void scheduleSweep(long delayNanos) {
		acquireLock();
		try {
			if (this.deadlinesClosed) {
				return;
			}
			// Under the lock: close() cancels the entry it finds.
			this.sweep = this.scheduler.schedule(this.executor, this::sweep, delayNanos, TimeUnit.NANOSECONDS);
		}
		catch (RuntimeException ex) {
			this.sweepScheduled = false;
			throw ex;
		}
		finally {
			this.deadlinesLock.unlock();
		}
	}

	/** Times out the calls whose deadline passed, then waits for the next one. */
	private void sweep() {
		List<CompletableFuture<Decision>> expired = new ArrayList<>();
		long next = 0;
		acquireLock();
		try {
			long now = this.ticker.read();
			Deadline head;
			while ((head = this.deadlines.peek()) != null && (head.call.isDone() || head.nanos - now <= 0)) {
				this.deadlines.poll();
				if (!head.call.isDone()) {
					expired.add(head.call);
				}
			}
			if (head == null) {
				this.sweepScheduled = false;
			}
			else {
				next = head.nanos - now;
			}
		}
		finally {
			this.deadlinesLock.unlock();
		}
		for (CompletableFuture<Decision> call : expired) {
			timedOut(call);
		}
		if (next > 0) {
			try {
				scheduleSweep(next);
			}
			catch (RuntimeException ex) {
				// The timer is shut down: the calls end with their connection.
				logger.debug("Could not schedule the rate limiter's command timeouts", ex);
			}
		}
	}

	/** A timed call and when it times out, on {@link #ticker}. */
	private record Deadline(CompletableFuture<Decision> call, long nanos) {
	}

	/**
	 * Fails a decision whose reply did not come within the command timeout; a grant that
	 * arrives later is handed back.
	 */
	void timedOut(CompletableFuture<Decision> decision) {
		decision.completeExceptionally(new RedisCommandTimeoutException(
				"Redis did not answer the rate limiter within " + this.commandTimeout));
	}

	long commandTimeoutNanos() {
		return this.commandTimeoutNanos;
	}

	/**
	 * Takes charges nobody holds back ({@link WindowScript#RELEASE}), so no window counts
	 * them: grants nobody took, reservations whose waiter gave up.
	 * @param charges per request, its member without the weight and its permits
	 */
	void release(Layout layout, List<String> charges) {
		if (charges.isEmpty()) {
			return;
		}
		String[] args = new String[1 + charges.size()];
		args[0] = layout.callFlags;
		for (int i = 0; i < charges.size(); i++) {
			args[1 + i] = charges.get(i);
		}
		this.connector.commands()
			.thenCompose((commands) -> commands.<Long>eval(WindowScript.RELEASE, ScriptOutputType.INTEGER,
					layout.releaseKeys, args))
			.whenComplete((removed, error) -> {
				if (error != null) {
					// They leave the window after one period anyway.
					logger.debug("Could not take back {} rate limiter charges of {}", charges.size() / 2, layout.key,
							error);
				}
			});
	}

	/**
	 * Whether Redis answers for a key: its connection is open and the latest call or
	 * probe for the key got an answer (an error reply counts: the server is there). While
	 * it does not, each question also sends a probe (bounded by the command timeout,
	 * waited for by nobody), so that a recovered server is seen even when no limiter call
	 * comes.
	 */
	boolean isReachable(KeyHealth health) {
		boolean reachable = health.reachable && !this.connector.isDown() && !this.connector.failedToOpen();
		if (!reachable) {
			probe(health, true);
		}
		return reachable;
	}

	/**
	 * One round of the probe: every key that got no answer since the previous round is
	 * probed, on the open connection only (a closed or disconnected one is not opened for
	 * it).
	 */
	private void probeIdleKeys() {
		for (WeakReference<KeyHealth> reference : this.keys.values()) {
			KeyHealth health = reference.get();
			if (health == null) {
				this.keys.values().remove(reference);
			}
			else if (!health.answered.getAndSet(false)) {
				probe(health, false);
			}
		}
		synchronized (this.keys) {
			if (!this.closed) {
				this.nextProbe = this.scheduler.schedule(this.executor, this::probeIdleKeys, this.probeIntervalNanos,
						TimeUnit.NANOSECONDS);
			}
		}
	}

	/**
	 * Asks for the key's time to live: a read, sent to the node that owns the key (Redis
	 * Cluster), with no effect on the window. Its outcome, or no answer within the
	 * command timeout, is the key's health.
	 * @param open whether to open the connection for it if it is not open
	 */
	private void probe(KeyHealth health, boolean open) {
		RedisClusterAsyncCommands<String, String> commands = this.connector.openCommands();
		if ((commands == null && !open) || !health.probing.compareAndSet(false, true)) {
			return;
		}
		CompletableFuture<Boolean> answered = new CompletableFuture<>();
		answered.thenAccept((reachable) -> {
			health.reachable = reachable;
			health.probing.set(false);
		});
		Future<?> timer;
		try {
			timer = this.scheduler.schedule(this.executor, () -> answered.complete(false), this.commandTimeoutNanos,
					TimeUnit.NANOSECONDS);
		}
		catch (RuntimeException ex) {
			health.probing.set(false);
			return;
		}
		CompletableFuture<RedisClusterAsyncCommands<String, String>> ready = (commands != null)
				? CompletableFuture.completedFuture(commands) : this.connector.commands();
		ready.thenCompose((connection) -> connection.pttl(health.key)).whenComplete((ttl, error) -> {
			timer.cancel(false);
			answered.complete(error == null || isErrorReply(Stages.unwrap(error)));
		});
	}

	void disconnect() {
		this.connector.disconnect();
	}

	/** Closes the connection and stops the probe. */
	void close() {
		Future<?> next;
		synchronized (this.keys) {
			this.closed = true;
			next = this.nextProbe;
			this.nextProbe = null;
		}
		if (next != null) {
			next.cancel(false);
		}
		Future<?> sweep;
		acquireLock();
		try {
			sweep = this.sweep;
			this.sweep = null;
			this.deadlines.clear();
			this.deadlinesClosed = true;
		}
		finally {
			this.deadlinesLock.unlock();
		}
		if (sweep != null) {
			sweep.cancel(false);
		}
		this.connector.close();
	}

	/** See {@link RedisReplies#isErrorReply}. */
	static boolean isErrorReply(Throwable error) {
		return RedisReplies.isErrorReply(error);
	}

	/** See {@link RedisReplies#errorCode}. */
	static String errorCode(Throwable error) {
		return RedisReplies.errorCode(error);
	}

}
