package io.lionherd.concurrency.redis.blockhound;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * What BlockHound must let a non-blocking thread (a Reactor {@code parallel} or Netty
 * event-loop thread) do inside the Redis limiters: wait for one of their locks.
 * <p>
 * A subscription of {@code RateLimiterOperator} or {@code ConcurrencyLimitOperator} asks
 * for its permit on the thread that subscribes, and cancelling it, a reply of Redis or a
 * wake-up of the limiter's timer change the limiter's queue under a
 * {@code ReentrantLock}, which parks a thread that finds it held. Every hold of these
 * locks is a bounded critical section: the limiter's own fields and in-memory queues,
 * loops that visit each queued waiter or call at most once in its life, and at most the
 * scheduling or cancelling of one timer entry; no Redis command, no logging, no listener
 * and no completion of a caller's future (those run after the lock is released). So only
 * taking those locks is allowed ({@code acquireLock}, the one method of each class that
 * calls {@code lock()}), not the critical sections: a blocking call made under a lock,
 * such as by a {@code DelayScheduler} of the user's, is still reported. Redis itself is
 * asked through Lettuce's asynchronous API, which needs no allowance of ours.
 * <p>
 * Found by BlockHound through {@code META-INF/services} on the class path; install it
 * together with the core's {@code LionherdBlockHoundIntegration} (found the same way), or
 * explicitly: {@code BlockHound.install(new LionherdRedisBlockHoundIntegration())}.
 */
public final class LionherdRedisBlockHoundIntegration implements BlockHoundIntegration {

	@Override
	public void applyTo(BlockHound.Builder builder) {
		builder.allowBlockingCallsInside("io.lionherd.concurrency.ratelimit.redis.RedisRateLimiter", "acquireLock");
		builder.allowBlockingCallsInside("io.lionherd.concurrency.ratelimit.redis.Backend", "acquireLock");
		builder.allowBlockingCallsInside("io.lionherd.concurrency.capacity.redis.RedisConcurrencyLimit", "acquireLock");
	}

}
