package io.lionherd.concurrency.ratelimit.redis;

import java.lang.reflect.Field;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A lock of a limiter held by a plain thread of the test until released: whoever asks for
 * it meanwhile finds it contended, as when another thread is inside one of the limiter's
 * critical sections, however short those are.
 */
public final class HeldLock implements AutoCloseable {

	private final CountDownLatch held = new CountDownLatch(1);

	private final CountDownLatch release = new CountDownLatch(1);

	private final Thread holder;

	private HeldLock(ReentrantLock lock) {
		this.holder = new Thread(() -> {
			lock.lock();
			try {
				this.held.countDown();
				this.release.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				lock.unlock();
			}
		}, "lock-holder");
	}

	/**
	 * The lock in a field of {@code owner}.
	 * @param owner the limiter, or what it shares with others
	 * @param name the field's name
	 * @return the lock
	 */
	public static ReentrantLock in(Object owner, String name) {
		return (ReentrantLock) field(owner, name);
	}

	/**
	 * The value of a field of {@code owner}.
	 * @param owner the object
	 * @param name the field's name
	 * @return its value
	 */
	public static Object field(Object owner, String name) {
		try {
			Field field = owner.getClass().getDeclaredField(name);
			field.setAccessible(true);
			return field.get(owner);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Holds {@code lock} on a thread of its own, from when this returns until
	 * {@link #close}.
	 * @param lock the lock
	 * @return the hold
	 */
	public static HeldLock hold(ReentrantLock lock) throws InterruptedException {
		HeldLock hold = new HeldLock(lock);
		hold.holder.start();
		if (!hold.held.await(10, TimeUnit.SECONDS)) {
			throw new IllegalStateException("The lock was not taken within 10 seconds");
		}
		return hold;
	}

	/** Releases the lock and waits for its holder to end. */
	@Override
	public void close() throws InterruptedException {
		this.release.countDown();
		this.holder.join(10_000);
	}

}
