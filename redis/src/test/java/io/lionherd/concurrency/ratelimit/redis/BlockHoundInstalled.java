package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

import io.lettuce.core.RedisClient;
import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitConfig;
import io.lionherd.concurrency.capacity.ConcurrencyLimitListener;
import io.lionherd.concurrency.capacity.redis.RedisConcurrencyLimitFactory;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import io.lionherd.concurrency.reactor.ConcurrencyLimitOperator;
import io.lionherd.concurrency.reactor.RateLimiterOperator;
import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.ReactorBlockHoundIntegration;

/**
 * Installs BlockHound once per test JVM for the Redis module's reactive tests: Reactor's
 * integration (it marks {@code Schedulers.parallel()} threads non-blocking) and the
 * integrations of this project found on the class path ({@code META-INF/services}), not
 * the others found there: Netty's would also judge Lettuce's own event loops (its client
 * shutdown parks on one), which are not under test here; nor Lettuce's own write lock
 * (see {@link #install}). Every test class that needs BlockHound installs it through this
 * class, whichever runs first.
 */
public final class BlockHoundInstalled {

	private static final Duration WAIT = Duration.ofSeconds(30);

	/**
	 * Opening the first connection of a cold JVM on a loaded machine may take seconds.
	 */
	private static final Duration COLD = Duration.ofSeconds(20);

	private static boolean installed;

	private BlockHoundInstalled() {
	}

	/**
	 * Installs BlockHound, after a warm-up against {@code server}, unless done already.
	 * @param server a Redis server for the warm-up
	 */
	public static synchronized void install(RedisServerProcess server) {
		if (installed) {
			return;
		}
		warmUp(server);
		BlockHound.Builder builder = BlockHound.builder().with(new ReactorBlockHoundIntegration());
		for (BlockHoundIntegration integration : ServiceLoader.load(BlockHoundIntegration.class)) {
			if (integration.getClass().getName().startsWith("io.lionherd.")) {
				builder.with(integration);
			}
		}
		// Lettuce takes a ReentrantLock of its own (SharedLock) for every command written
		// to
		// a connection; a non-blocking thread that writes while another thread does parks
		// there. That wait is Lettuce's, not the limiters', and an error thrown inside it
		// leaves Lettuce's lock unusable (the connection hangs): allowed here so that
		// these
		// tests judge the limiters' own locks, under load, not Lettuce's.
		builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters");
		builder.install();
		installed = true;
	}

	/**
	 * Loads and initializes, on this ordinary thread, the classes the tests first use on
	 * non-blocking ones: reading a class file from a jar is blocking I/O, which
	 * BlockHound would report in whichever class initializer happens to run first on such
	 * a thread.
	 */
	private static void warmUp(RedisServerProcess server) {
		new ReentrantLock().getQueueLength();
		Mono.just("warm")
			.transformDeferred(RateLimiterOperator.of(RateLimiter.slidingWindow(1, Duration.ofMinutes(1))))
			.block(WAIT);
		RedisClient client = RedisClient.create(server.uri());
		try (RedisRateLimiterFactory rateLimiters = RedisRateLimiterFactory.builder(client)
			.keyPrefix("test:warm-up:")
			.commandTimeout(COLD)
			.build();
				RedisConcurrencyLimitFactory concurrencyLimits = RedisConcurrencyLimitFactory.builder(client)
					.keyPrefix("test:warm-up:")
					.commandTimeout(COLD)
					.build()) {
			RateLimiter limiter = rateLimiters.create("warm-up:" + System.nanoTime(),
					RateLimiterConfig.of(1, Duration.ofMinutes(1)), RateLimiterListener.none());
			Mono.just("warm").transformDeferred(RateLimiterOperator.of(limiter)).block(WAIT);
			CompletableFuture<Void> waiting = limiter.acquire();
			waiting.cancel(false);
			limiter.tryAcquireAsync().join();
			ConcurrencyLimit limit = concurrencyLimits.create("warm-up:" + System.nanoTime(),
					ConcurrencyLimitConfig.of(1), ConcurrencyLimitListener.none());
			Mono.just("warm").transformDeferred(ConcurrencyLimitOperator.of(limit)).block(WAIT);
			CapacityLimiter.Permit held = limit.acquire().join();
			CompletableFuture<CapacityLimiter.Permit> queued = limit.acquire();
			queued.cancel(false);
			held.close();
		}
		finally {
			client.shutdown();
		}
	}

}
