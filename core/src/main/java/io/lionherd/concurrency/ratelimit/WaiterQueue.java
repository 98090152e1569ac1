package io.lionherd.concurrency.ratelimit;

import org.jspecify.annotations.Nullable;

/**
 * The waiters of a {@link SlidingWindowRateLimiter} or a {@link MultiWindowRateLimiter}
 * in arrival order: an intrusive doubly linked list through {@link Waiter#prev} and
 * {@link Waiter#next}, so joining and leaving (a cancel from the middle) are O(1).
 * Guarded by the limiter's lock.
 */
final class WaiterQueue {

	private @Nullable Waiter head;

	private @Nullable Waiter tail;

	private int size;

	/** The longest waiting, {@code null} if none. */
	@Nullable Waiter head() {
		return this.head;
	}

	/** The latest to arrive, {@code null} if none. */
	@Nullable Waiter tail() {
		return this.tail;
	}

	boolean isEmpty() {
		return this.head == null;
	}

	/** How many wait now. */
	int size() {
		return this.size;
	}

	/** Adds {@code waiter} at the tail. */
	void enqueue(Waiter waiter) {
		Waiter last = this.tail;
		waiter.prev = last;
		if (last == null) {
			this.head = waiter;
		}
		else {
			last.next = waiter;
		}
		this.tail = waiter;
		waiter.queued = true;
		this.size++;
	}

	/** Removes {@code waiter}, which must be queued, wherever it is. */
	void unlink(Waiter waiter) {
		Waiter prev = waiter.prev;
		Waiter next = waiter.next;
		if (prev == null) {
			this.head = next;
		}
		else {
			prev.next = next;
		}
		if (next == null) {
			this.tail = prev;
		}
		else {
			next.prev = prev;
		}
		waiter.prev = null;
		waiter.next = null;
		waiter.queued = false;
		this.size--;
	}

}
