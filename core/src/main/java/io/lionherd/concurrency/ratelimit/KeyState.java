package io.lionherd.concurrency.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import io.lionherd.concurrency.internal.Forgettable;

/**
 * The state of one key of a {@link KeyTable}: its limiter, and a pin count that makes
 * forgetting it atomic with the operations on it. An operation pins the state for the
 * length of its synchronous call (an acquire until its waiter is queued, a tryAcquire
 * until it is decided); the sweeper retires a state only from zero pins, so once retired
 * nobody is inside and nobody can enter. A retired state that proves forgettable is
 * removed from the table and stays retired for good; otherwise it is un-retired and those
 * that found it retired meanwhile enter it then.
 */
final class KeyState {

	/** Far below any count of pins in flight: negative while retired. */
	private static final int RETIRED = Integer.MIN_VALUE / 2;

	private static final VarHandle PINS;

	static {
		try {
			PINS = MethodHandles.lookup().findVarHandle(KeyState.class, "pins", int.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	final RateLimiter limiter;

	/** Operations inside, plus {@link #RETIRED} while retired. */
	private volatile int pins;

	KeyState(RateLimiter limiter) {
		this.limiter = limiter;
	}

	/**
	 * Enters the state for one operation.
	 * @return whether it is entered; {@code false} while it is retired
	 */
	boolean pin() {
		if ((int) PINS.getAndAdd(this, 1) >= 0) {
			return true;
		}
		PINS.getAndAdd(this, -1);
		return false;
	}

	/** Leaves the state after {@link #pin()}. */
	void unpin() {
		PINS.getAndAdd(this, -1);
	}

	/**
	 * Retires the state if nobody is inside: from then on {@link #pin()} fails.
	 * @return whether it is retired now
	 */
	boolean retire() {
		return PINS.compareAndSet(this, 0, RETIRED);
	}

	/** Lets operations in again after {@link #retire()}. */
	void unretire() {
		PINS.getAndAdd(this, -RETIRED);
	}

	/**
	 * While retired (nobody inside): whether the limiter is equivalent to a fresh one.
	 */
	boolean forgettable() {
		return this.limiter instanceof Forgettable forgettable && forgettable.forgettable();
	}

}
