package io.lionherd.sample;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * A bounded fan-out, the sample's stand-in for the library's coming {@code boundedMap}:
 * calls {@code fn} for each item with at most {@code limit} calls in flight, starting the
 * next one when one ends (no thread waits for a slot: the chain runs in the completions).
 * Results come in input order. Fail-fast as {@code gather}: the first failure fails the
 * result with its own exception, cancels ({@code cancel(true)}) the calls in flight and
 * starts no more; cancelling or failing the result does the same.
 * <p>
 * Why: {@code /api/parallel} used to submit all of a request's tasks to the shared pool
 * at once, so one request of 64 ten-second tasks queued every other request's tasks
 * behind its own. Bounded, a request holds at most {@code limit} pool threads and queues
 * nothing behind them.
 *
 * @param <T> the item type
 * @param <R> the result type
 */
final class BoundedFanOut<T, R> {

	private final List<? extends T> items;

	private final int limit;

	private final Function<? super T, ? extends CompletionStage<? extends R>> fn;

	private final CompletableFuture<List<R>> result = new CompletableFuture<>();

	private final Object lock = new Object();

	/** Guarded by {@link #lock}. */
	private final @Nullable Object[] results;

	/** The calls in flight by item index. Guarded by {@link #lock}. */
	private final Map<Integer, CompletableFuture<?>> inFlight = new HashMap<>();

	/** Slots taken by calls being started or in flight. Guarded by {@link #lock}. */
	private int running;

	/** Guarded by {@link #lock}. */
	private int next;

	/** Guarded by {@link #lock}. */
	private int completed;

	/** Set once the result is decided: nothing starts after. Guarded by {@link #lock}. */
	private boolean stopped;

	/**
	 * Requests to start calls; only the thread that raises it from zero starts them, so
	 * calls that complete at once loop here instead of nesting the stack.
	 */
	private final AtomicInteger startRequests = new AtomicInteger();

	private BoundedFanOut(List<? extends T> items, int limit,
			Function<? super T, ? extends CompletionStage<? extends R>> fn) {
		this.items = items;
		this.limit = limit;
		this.fn = fn;
		this.results = new Object[items.size()];
	}

	/**
	 * Maps {@code items} through {@code fn} with at most {@code limit} calls in flight.
	 * @param <T> the item type
	 * @param <R> the result type
	 * @param items the inputs
	 * @param limit the most calls in flight, at least 1
	 * @param fn starts the work for one item
	 * @return the results in input order
	 */
	static <T, R> CompletableFuture<List<R>> map(List<? extends T> items, int limit,
			Function<? super T, ? extends CompletionStage<? extends R>> fn) {
		Objects.requireNonNull(items, "items must not be null");
		Objects.requireNonNull(fn, "fn must not be null");
		if (limit < 1) {
			throw new IllegalArgumentException("limit must be at least 1, was " + limit);
		}
		if (items.isEmpty()) {
			return CompletableFuture.completedFuture(List.of());
		}
		BoundedFanOut<T, R> fanOut = new BoundedFanOut<>(List.copyOf(items), limit, fn);
		fanOut.result.whenComplete((value, error) -> {
			if (error != null) {
				fanOut.stop();
			}
		});
		fanOut.startCalls();
		return fanOut.result;
	}

	private void startCalls() {
		if (this.startRequests.getAndIncrement() != 0) {
			return;
		}
		do {
			while (startOne()) {
				// keep filling free slots
			}
		}
		while (this.startRequests.decrementAndGet() != 0);
	}

	/**
	 * @return whether a call was started and another may fit
	 */
	private boolean startOne() {
		int index;
		synchronized (this.lock) {
			if (this.stopped || this.next == this.items.size() || this.running == this.limit) {
				return false;
			}
			index = this.next++;
			this.running++;
		}
		CompletableFuture<? extends R> call;
		try {
			call = Objects.requireNonNull(this.fn.apply(this.items.get(index)), "fn returned null")
				.toCompletableFuture();
		}
		catch (Throwable ex) {
			this.result.completeExceptionally(ex);
			return false;
		}
		boolean cancel;
		synchronized (this.lock) {
			cancel = this.stopped;
			if (!cancel) {
				this.inFlight.put(index, call);
			}
		}
		if (cancel) {
			call.cancel(true);
			return false;
		}
		call.whenComplete((value, error) -> ended(index, value, error));
		return true;
	}

	private void ended(int index, @Nullable R value, @Nullable Throwable error) {
		if (error != null) {
			this.result.completeExceptionally(unwrap(error));
			return;
		}
		boolean all;
		synchronized (this.lock) {
			if (this.stopped) {
				return;
			}
			this.inFlight.remove(index);
			this.running--;
			this.results[index] = value;
			all = ++this.completed == this.items.size();
		}
		if (all) {
			this.result.complete(resultList());
		}
		else {
			startCalls();
		}
	}

	@SuppressWarnings("unchecked")
	private List<R> resultList() {
		synchronized (this.lock) {
			return Collections.unmodifiableList(Arrays.asList((R[]) this.results.clone()));
		}
	}

	/**
	 * Marks the fan-out stopped first and only then cancels the calls in flight: a
	 * cancelled call completes at once, and its completion must find nothing more to
	 * start.
	 */
	private void stop() {
		List<CompletableFuture<?>> calls;
		synchronized (this.lock) {
			if (this.stopped) {
				return;
			}
			this.stopped = true;
			calls = new ArrayList<>(this.inFlight.values());
			this.inFlight.clear();
		}
		for (CompletableFuture<?> call : calls) {
			try {
				call.cancel(true);
			}
			catch (RuntimeException ex) {
				// a broken cancel must not leave the other calls running
			}
		}
	}

	private static Throwable unwrap(Throwable error) {
		return (error instanceof CompletionException && error.getCause() != null) ? error.getCause() : error;
	}

}
