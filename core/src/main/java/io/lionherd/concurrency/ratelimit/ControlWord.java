package io.lionherd.concurrency.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The control word of a {@link SlidingWindowRateLimiter}, as Caffeine's
 * {@code DrainStatusRef}: its bit layout, its {@link VarHandle} and the helpers that read
 * and advance it, apart from the limiter's logic. The word packs the ring position of the
 * next grant with two flags: <pre>
 * bits 33-63  lap: how many times the ring has been gone round
 * bits  2-32  index: the slot of the next grant (which holds the oldest grant)
 * bit      1  EXCLUSIVE: the lock holder works on the word alone
 * bit      0  WAITERS: someone waits
 * </pre> Every grant moves the word to the next position. Each slot of the ring carries,
 * in bit 0, the parity of the lap that wrote it, so a reader can tell a slot still
 * waiting for its writer.
 */
abstract class ControlWord extends PaddedControlWord {

	/** Someone waits: the lock-free path must refuse, the lock holder owns the word. */
	static final long WAITERS = 1L;

	/**
	 * The lock holder works on the word alone (it grows the ring, or reads the permits
	 * free while lock-free grants keep moving the word): the lock-free path must take the
	 * lock.
	 */
	static final long EXCLUSIVE = 2L;

	static final long FLAGS = WAITERS | EXCLUSIVE;

	private static final int INDEX_SHIFT = 2;

	private static final long INDEX_MASK = (1L << 31) - 1;

	private static final long INDEX_ONE = 1L << INDEX_SHIFT;

	private static final int LAP_SHIFT = 33;

	private static final VarHandle CTL;

	static {
		try {
			CTL = MethodHandles.lookup().findVarHandle(ControlWordValue.class, "ctl", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	/**
	 * Moves the word from {@code expected} to {@code next} if nobody moved it meanwhile.
	 * @return whether it moved
	 */
	final boolean casCtl(long expected, long next) {
		return CTL.compareAndSet(this, expected, next);
	}

	/**
	 * Sets the word; only for the lock holder while a flag keeps the lock-free path out.
	 */
	final void setCtl(long value) {
		this.ctl = value;
	}

	static int index(long c) {
		return (int) ((c >>> INDEX_SHIFT) & INDEX_MASK);
	}

	static long lap(long c) {
		return c >>> LAP_SHIFT;
	}

	/** The word at slot 0 of lap {@code lap}, with {@code flags}. */
	static long start(long lap, long flags) {
		return (lap << LAP_SHIFT) | flags;
	}

	/**
	 * The parity of the lap before {@code c}'s: what the next slot to overwrite must
	 * carry.
	 */
	static long previousParity(long c) {
		return (lap(c) & 1) ^ 1;
	}

	/**
	 * The parity a slot carries once written: slots before the index were written in this
	 * lap, the others in the one before.
	 */
	static long parityOf(int slot, long c) {
		return (slot < index(c)) ? (lap(c) & 1) : ((lap(c) - 1) & 1);
	}

	/**
	 * The position after {@code c}'s in a ring of {@code length} slots, flags cleared.
	 */
	static long next(long c, int length) {
		int index = index(c);
		return (index + 1 < length) ? (c & ~FLAGS) + INDEX_ONE : start(lap(c) + 1, 0);
	}

	/**
	 * A slot's value: a grant time shifted left by one, with its lap's parity in bit 0.
	 */
	static long encode(long time, long parity) {
		return (time << 1) | parity;
	}

	/** The grant time of a slot's value. */
	static long time(long raw) {
		return raw >> 1;
	}

	/** The lap parity of a slot's value. */
	static long parity(long raw) {
		return raw & 1;
	}

}
