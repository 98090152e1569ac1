package io.lionherd.concurrency.reactor;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * What BlockHound must let a non-blocking thread (a Reactor {@code parallel} or Netty
 * event-loop thread) do inside the in-memory rate limiters: wait for a limiter's lock.
 * <p>
 * Asking for a permit with no room, cancelling a wait and the limiter's own wake-up
 * change the waiter queue under a {@code ReentrantLock}, which parks a thread that finds
 * it held. Every hold of it is a bounded critical section: queue links, a binary search
 * of the window's ring, and the scheduling or cancelling of one timer entry; no user code
 * (listeners and granted continuations run after it is released). So only taking that
 * lock is allowed ({@code acquireLock}, the one method of each limiter that calls
 * {@code lock()}), not the critical sections themselves: a blocking call made under the
 * lock, such as by a {@code DelayScheduler} of the user's, is still reported. The shared
 * timer removes a cancelled entry from its {@code ScheduledThreadPoolExecutor} queue
 * under that queue's lock, a bounded heap operation, as Reactor's own integration allows
 * for adding and taking entries. The lock-free paths spin ({@code Thread.onSpinWait},
 * then {@code Thread.yield}) while another thread finishes a step it has already won: a
 * lost compare-and-set's randomised back-off (at most 1 023 spin hints), a slot whose
 * writer has not stored its time yet, a key's limiter the sweeper is retiring. Only the
 * methods that do nothing but that spinning ({@code contended}, {@code backOff}) are
 * allowed (both in {@code Spins}).
 * <p>
 * Found by BlockHound through {@code META-INF/services} on the class path; on the module
 * path, install it explicitly:
 * {@code BlockHound.install(new LionherdBlockHoundIntegration())}.
 */
public final class LionherdBlockHoundIntegration implements BlockHoundIntegration {

	@Override
	public void applyTo(BlockHound.Builder builder) {
		builder.allowBlockingCallsInside("io.lionherd.concurrency.ratelimit.SlidingWindowRateLimiter", "acquireLock");
		builder.allowBlockingCallsInside("io.lionherd.concurrency.ratelimit.MultiWindowRateLimiter", "acquireLock");
		builder.allowBlockingCallsInside("io.lionherd.concurrency.ratelimit.Spins", "contended");
		builder.allowBlockingCallsInside("io.lionherd.concurrency.ratelimit.Spins", "backOff");
		builder.allowBlockingCallsInside("java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue", "remove");
	}

}
