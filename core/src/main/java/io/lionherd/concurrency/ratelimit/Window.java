package io.lionherd.concurrency.ratelimit;

/**
 * The log of one limit of a {@link MultiWindowRateLimiter}: a growable ring of the
 * instants charged to it and what each counted, oldest first, with their sum. Past grants
 * come first, then the reservations of the queued waiters in queue order; every instant
 * is at or after the one before. Guarded by the limiter's lock.
 */
final class Window {

	private static final int INITIAL = 8;

	final long max;

	final long periodNanos;

	final boolean countsCalls;

	private long[] times = new long[INITIAL];

	private long[] weights = new long[INITIAL];

	private int head;

	private int size;

	/** The sum of {@link #weights} in the ring. */
	private long total;

	/**
	 * The latest threshold {@link #expire} dropped entries at or before: an entry at or
	 * before it has left the ring, even a waiter's reservation whose wake-up is late.
	 */
	private long expiredThrough = Long.MIN_VALUE;

	Window(Limit limit, long periodNanos) {
		this.max = limit.max();
		this.periodNanos = periodNanos;
		this.countsCalls = limit.countsCalls();
	}

	/** What a request for {@code permits} counts here. */
	long weightOf(long permits) {
		return this.countsCalls ? 1 : permits;
	}

	/** Drops the entries outside every window that ends at {@code now} or later. */
	void expire(long now) {
		long threshold = now - this.periodNanos;
		this.expiredThrough = Math.max(this.expiredThrough, threshold);
		int mask = this.times.length - 1;
		while (this.size > 0 && this.times[this.head] <= threshold) {
			this.total -= this.weights[this.head];
			this.head = (this.head + 1) & mask;
			this.size--;
		}
	}

	/**
	 * The earliest instant at or after {@code from} (itself at or after every entry) at
	 * which {@code weight} more keeps every window of this limit within {@code max}. Only
	 * the window ending at that instant needs checking: a later one holds the same charge
	 * and a subset of the older entries. So the instant is {@code from}, or the one at
	 * which just enough of the oldest entries have left the window: O(entries that must
	 * leave).
	 * @param weight at most {@code max}
	 */
	long earliest(long weight, long from) {
		long excess = this.total + weight - this.max;
		if (excess <= 0) {
			return from;
		}
		int mask = this.times.length - 1;
		long left = 0;
		for (int i = 0;; i++) {
			int slot = (this.head + i) & mask;
			left += this.weights[slot];
			if (left >= excess) {
				// The entry leaves every window that starts at or after its instant.
				return Math.max(from, this.times[slot] + this.periodNanos);
			}
		}
	}

	/** Whether nothing is charged, after {@link #expire}. */
	boolean isEmpty() {
		return this.size == 0;
	}

	/**
	 * After {@link #expire}: how long until the oldest entry leaves the window, zero when
	 * there is none.
	 */
	long untilOldestLeaves(long now) {
		return (this.size == 0) ? 0 : Math.max(0, this.times[this.head] + this.periodNanos - now);
	}

	/** How much more fits now, after {@link #expire}; negative never. */
	long room() {
		return Math.max(0, this.max - this.total);
	}

	/**
	 * Charges {@code weight} at {@code time}, at or after every entry; charges at one
	 * instant share an entry, so the ring holds at most one entry per instant.
	 */
	void charge(long time, long weight) {
		if (this.size > 0) {
			int last = (this.head + this.size - 1) & (this.times.length - 1);
			if (this.times[last] == time) {
				this.weights[last] += weight;
				this.total += weight;
				return;
			}
		}
		if (this.size == this.times.length) {
			grow();
		}
		int slot = (this.head + this.size) & (this.times.length - 1);
		this.times[slot] = time;
		this.weights[slot] = weight;
		this.size++;
		this.total += weight;
	}

	/**
	 * Takes back the newest charge, {@code weight} at {@code time}: a reservation given
	 * up or re-planned. A reservation whose instant has passed (its wake-up runs late)
	 * may have expired already; it has then left the ring with every entry before it, and
	 * there is nothing to take back.
	 */
	void uncharge(long time, long weight) {
		if (time <= this.expiredThrough) {
			return;
		}
		int slot = (this.head + this.size - 1) & (this.times.length - 1);
		this.total -= weight;
		this.weights[slot] -= weight;
		if (this.weights[slot] == 0) {
			this.size--;
		}
	}

	private void grow() {
		int length = this.times.length;
		long[] grownTimes = new long[length * 2];
		long[] grownWeights = new long[length * 2];
		for (int i = 0; i < this.size; i++) {
			int slot = (this.head + i) & (length - 1);
			grownTimes[i] = this.times[slot];
			grownWeights[i] = this.weights[slot];
		}
		this.times = grownTimes;
		this.weights = grownWeights;
		this.head = 0;
	}

}
