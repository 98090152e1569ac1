package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lionherd.concurrency.DelayScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the limiters of one {@link RedisRateLimiterFactory} share: the connection, the
 * script, the timer and the command timeout, and this instance's unique id.
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

	/** The outcome of the latest call to Redis: what health checks report. */
	private volatile boolean reachable = true;

	Backend(Connector connector, DelayScheduler scheduler, Executor executor, String keyPrefix, Duration commandTimeout,
			WindowScript script, GrantLog grantLog) {
		this.connector = connector;
		this.scheduler = scheduler;
		this.executor = executor;
		this.keyPrefix = keyPrefix;
		this.commandTimeout = commandTimeout;
		this.commandTimeoutNanos = commandTimeout.toNanos();
		this.script = script;
		this.grantLog = grantLog;
	}

	/**
	 * Runs one decision. Fails with the backend's error, or a
	 * {@link RedisCommandTimeoutException} after the command timeout; a grant that
	 * arrives after its call timed out is handed back.
	 */
	CompletableFuture<Decision> decide(String key, int maxCalls, long periodMicros, int want) {
		return decide(key, maxCalls, periodMicros, want, true);
	}

	/**
	 * Runs one decision, timed by the library's timer or, when {@code timed} is false, by
	 * a caller that blocks for it anyway and calls {@link #timedOut} after the command
	 * timeout (no timer entry per call: that costs a timer-thread wake-up on every
	 * blocking {@code tryAcquire}).
	 */
	CompletableFuture<Decision> decide(String key, int maxCalls, long periodMicros, int want, boolean timed) {
		String token = this.instanceId + ":" + this.calls.incrementAndGet();
		String[] keys = { key, key + WindowScript.DEFINITION_SUFFIX };
		String[] args = { Integer.toString(maxCalls), Long.toString(periodMicros), token, Integer.toString(want),
				WindowScript.definition(maxCalls, periodMicros) };
		CompletableFuture<Decision> result = new CompletableFuture<>();
		Future<?> timer = timed ? this.scheduler.schedule(this.executor, () -> timedOut(result),
				this.commandTimeoutNanos, TimeUnit.NANOSECONDS) : null;
		RedisScriptingAsyncCommands<String, String> open = this.connector.openCommands();
		CompletableFuture<List<Object>> reply = (open != null) ? this.script.run(open, keys, args)
				: this.connector.commands().thenCompose((commands) -> this.script.run(commands, keys, args));
		reply.whenComplete((values, error) -> {
			if (timer != null) {
				timer.cancel(false);
			}
			this.reachable = (error == null);
			if (error != null) {
				result.completeExceptionally(unwrap(error));
				return;
			}
			Decision decision;
			try {
				decision = Decision.of(values, token);
			}
			catch (RuntimeException ex) {
				result.completeExceptionally(ex);
				return;
			}
			if (!result.complete(decision) && decision.granted() > 0) {
				release(key, decision, 0);
			}
		});
		return result;
	}

	/**
	 * Fails a decision whose reply did not come within the command timeout; a grant that
	 * arrives later is handed back.
	 */
	void timedOut(CompletableFuture<Decision> decision) {
		this.reachable = false;
		decision.completeExceptionally(new RedisCommandTimeoutException(
				"Redis did not answer the rate limiter within " + this.commandTimeout));
	}

	long commandTimeoutNanos() {
		return this.commandTimeoutNanos;
	}

	/**
	 * Hands back the permits of a decision that nobody took: removes their members so the
	 * window counts them no more.
	 * @param taken how many of its permits were handed to callers (the first ones)
	 */
	void release(String key, Decision decision, int taken) {
		int count = decision.granted() - taken;
		if (count <= 0) {
			return;
		}
		String[] members = new String[count];
		for (int i = 0; i < count; i++) {
			members[i] = decision.token() + ":" + (taken + i + 1);
		}
		this.connector.commands()
			.thenCompose((commands) -> commands.<Long>eval(WindowScript.RELEASE, ScriptOutputType.INTEGER,
					new String[] { key }, members))
			.whenComplete((removed, error) -> {
				if (error != null) {
					// They leave the window after one period anyway.
					logger.debug("Could not hand back {} rate limiter permits of {}", count, key, error);
				}
			});
	}

	/**
	 * Hands back given permits that nobody took.
	 * @param members their members
	 */
	void releaseMembers(String key, String... members) {
		this.connector.commands()
			.thenCompose((commands) -> commands.<Long>eval(WindowScript.RELEASE, ScriptOutputType.INTEGER,
					new String[] { key }, members))
			.whenComplete((removed, error) -> {
				if (error != null) {
					// They leave the window after one period anyway.
					logger.debug("Could not hand back rate limiter permits of {}", key, error);
				}
			});
	}

	/**
	 * Whether the latest call reached Redis. While it did not, each question also sends a
	 * cheap probe (bounded by the command timeout, waited for by nobody), so that a
	 * recovered server is seen even when no limiter call comes.
	 */
	boolean isReachable() {
		if (!this.reachable) {
			probe();
		}
		return this.reachable;
	}

	private void probe() {
		this.connector.commands()
			.thenCompose((commands) -> commands.<Long>eval("return 1", ScriptOutputType.INTEGER, new String[0]))
			.orTimeout(this.commandTimeoutNanos, TimeUnit.NANOSECONDS)
			.whenComplete((answer, error) -> {
				if (error == null) {
					this.reachable = true;
				}
			});
	}

	void disconnect() {
		this.connector.disconnect();
	}

	void close() {
		this.connector.close();
	}

	static Throwable unwrap(Throwable error) {
		Throwable cause = error;
		while ((cause instanceof CompletionException || cause instanceof ExecutionException)
				&& cause.getCause() != null) {
			cause = cause.getCause();
		}
		return cause;
	}

}
