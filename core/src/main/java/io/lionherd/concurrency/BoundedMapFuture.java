package io.lionherd.concurrency;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;

/**
 * The future {@code boundedMap} and {@code boundedMapSettled} return. {@code fn} is
 * called for the next item only when a call in flight has completed, so never more than
 * {@code limit} are in flight. Calls are started by one thread at a time (a drain loop:
 * whoever frees a slot starts the next item, or leaves it to the thread already
 * starting), so a {@code fn} whose stages complete at once does not recurse. The first
 * failure (fail-fast) or a cancel cancels the calls in flight ({@link Stages#cancelAll})
 * and starts no more; nor does the caller's deadline scope once it is cancelled or due.
 *
 * @param <T> the item type
 * @param <R> the element type of the result list
 */
final class BoundedMapFuture<T, R> extends ResultListFuture<R> {

	private static final AtomicIntegerFieldUpdater<BoundedMapFuture> WIP = AtomicIntegerFieldUpdater
		.newUpdater(BoundedMapFuture.class, "wip");

	private static final AtomicIntegerFieldUpdater<BoundedMapFuture> FREE = AtomicIntegerFieldUpdater
		.newUpdater(BoundedMapFuture.class, "free");

	private final @Nullable Object[] items;

	/** The stages in flight, by index; cleared as each completes. */
	private final AtomicReferenceArray<@Nullable CompletionStage<?>> inFlight;

	private final AsyncFunction<? super T, ?> fn;

	/** The deadline scope of the caller: every call of {@code fn} runs in it. */
	private final @Nullable WorkScope scope;

	/** The next item to start; read and written by the draining thread only. */
	private int next;

	private volatile int wip;

	/** Free slots. */
	private volatile int free;

	private BoundedMapFuture(@Nullable Object[] items, int limit, AsyncFunction<? super T, ?> fn, boolean settled,
			@Nullable WorkScope scope) {
		super(items.length, settled);
		this.items = items;
		this.inFlight = new AtomicReferenceArray<>(items.length);
		this.fn = fn;
		this.scope = scope;
		this.free = limit;
	}

	static <T, R> CompletableFuture<List<R>> map(Collection<? extends T> items, int limit,
			AsyncFunction<? super T, ? extends R> fn) {
		return start(items, limit, fn, false);
	}

	static <T, R> CompletableFuture<List<Outcome<R>>> settled(Collection<? extends T> items, int limit,
			AsyncFunction<? super T, ? extends R> fn) {
		return start(items, limit, fn, true);
	}

	private static <T, R> CompletableFuture<List<R>> start(Collection<? extends T> items, int limit,
			AsyncFunction<? super T, ?> fn, boolean settled) {
		Checks.notNull(items, "items");
		Checks.notNull(fn, "fn");
		if (limit < 1) {
			throw new IllegalArgumentException("limit must be at least 1, but was " + limit);
		}
		Object[] array = new ArrayList<>(items).toArray();
		if (array.length == 0) {
			return CompletableFuture.completedFuture(List.of());
		}
		BoundedMapFuture<T, R> map = new BoundedMapFuture<>(array, limit, fn, settled, WorkScope.current());
		map.drain();
		return map;
	}

	private void drain() {
		if (WIP.getAndIncrement(this) != 0) {
			return;
		}
		int missed = 1;
		for (;;) {
			while (!isEnding() && this.next < this.items.length && this.free > 0 && admitted()) {
				FREE.decrementAndGet(this);
				int index = this.next++;
				launch(index);
			}
			missed = WIP.addAndGet(this, -missed);
			if (missed == 0) {
				return;
			}
		}
	}

	/**
	 * Whether the caller's scope still lets work start: the calls cancelled at its
	 * deadline free their slots, and must not start the next items.
	 */
	private boolean admitted() {
		WorkScope caller = this.scope;
		return caller == null || caller.admits();
	}

	@SuppressWarnings("unchecked")
	private void launch(int index) {
		T item = (T) this.items[index];
		this.items[index] = null;
		CompletionStage<?> stage;
		WorkScope previous = WorkScope.install(this.scope);
		try {
			stage = Checks.notNull(this.fn.apply(item), "stage returned by fn");
		}
		catch (Throwable ex) {
			stage = CompletableFuture.failedFuture(ex);
		}
		finally {
			WorkScope.restore(previous);
		}
		if (Stages.isCompletedNormally(stage)) {
			onValue(index, Stages.valueOf(stage));
			return;
		}
		this.inFlight.set(index, stage);
		if (isEnding()) {
			// Ended while fn ran: the cancel that ended it may not have seen this stage.
			this.inFlight.set(index, null);
			Stages.cancel(stage);
			return;
		}
		stage.whenComplete((value, error) -> {
			this.inFlight.set(index, null);
			if (error == null) {
				onValue(index, value);
			}
			else {
				onError(index, Stages.ownFailure(error));
			}
		});
	}

	@Override
	void arrivedWithMoreToCome() {
		FREE.incrementAndGet(this);
		drain();
	}

	@Override
	void cancelInputs() {
		List<CompletionStage<?>> pending = new ArrayList<>();
		for (int i = 0; i < this.inFlight.length(); i++) {
			CompletionStage<?> stage = this.inFlight.getAndSet(i, null);
			if (stage != null) {
				pending.add(stage);
			}
		}
		Stages.cancelAll(pending);
	}

}
