package io.lionherd.concurrency;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.ContextCapture;
import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;

/**
 * The {@link CompletionStream} of {@code completionStream} and
 * {@code completionStreamSettled}.
 *
 * @param <R> the element type ({@code T}, or {@code Outcome<T>} when settled)
 */
final class BoundedCompletionStream<R> implements CompletionStream<R> {

	/*
	 * Implementation notes. Everything that decides happens in one drain loop, run by one
	 * thread at a time (the wip counter, as in BoundedMapFuture): whoever frees a slot,
	 * asks for the next completion or closes the stream enters it, or leaves the work to
	 * the thread already in it. The loop starts bodies while slots are free, then hands
	 * arrived completions to waiting next() futures, oldest first. Only it reads the
	 * arrived queue's head and the waiters' queue head, so completion order is the order
	 * in which bodies' callbacks queued their results, and the k-th completion goes to
	 * the k-th live waiter. A waiter that was cancelled or completed by its caller fails
	 * to take its completion, which then stays at the head for the next one: a cancelled
	 * next() loses nothing. A next() that finds nobody waiting and nobody in the loop
	 * takes the loop itself and answers with the head at once, queueing nothing. Bodies
	 * whose stages are already complete are read without a callback and their slot freed
	 * inside the loop, and futures completed in the loop run their continuations there: a
	 * next() they call is served by the same loop once they return. Either way the stack
	 * stays flat however many bodies complete at once. A fail-fast failure is queued
	 * behind the completions that came before it and ends the stream at once (running
	 * bodies cancelled, no more started); close() ends it too and discards what was not
	 * yet yielded. Bodies started after the call that made the stream run in the caller's
	 * deadline scope and context, as retry attempts do; the stream's own lifetime future
	 * is enrolled in that scope, so the deadline closes it.
	 */

	private static final AtomicIntegerFieldUpdater<BoundedCompletionStream> WIP = AtomicIntegerFieldUpdater
		.newUpdater(BoundedCompletionStream.class, "wip");

	private static final AtomicIntegerFieldUpdater<BoundedCompletionStream> FREE = AtomicIntegerFieldUpdater
		.newUpdater(BoundedCompletionStream.class, "free");

	private static final AtomicIntegerFieldUpdater<BoundedCompletionStream> STATE = AtomicIntegerFieldUpdater
		.newUpdater(BoundedCompletionStream.class, "state");

	private static final AtomicIntegerFieldUpdater<BoundedCompletionStream> FINISHED = AtomicIntegerFieldUpdater
		.newUpdater(BoundedCompletionStream.class, "finished");

	private static final AtomicIntegerFieldUpdater<BoundedCompletionStream> SUBSCRIBED = AtomicIntegerFieldUpdater
		.newUpdater(BoundedCompletionStream.class, "subscribed");

	/** Bodies start and results are yielded. */
	private static final int OPEN = 0;

	/** A fail-fast failure arrived: nothing starts; what arrived before it is yielded. */
	private static final int FAILED = 1;

	/** Closed: nothing starts, nothing more is yielded. */
	private static final int CLOSED = 2;

	private final @Nullable AsyncCallable<?>[] bodies;

	private final boolean settled;

	/** The stages in flight, by index; cleared as each completes. */
	private final AtomicReferenceArray<@Nullable CompletionStage<?>> running;

	/**
	 * Completions ({@link Completed}) and fail-fast failures ({@link Failed}) in order.
	 */
	private final ConcurrentLinkedQueue<Object> arrived = new ConcurrentLinkedQueue<>();

	private final ConcurrentLinkedQueue<CompletableFuture<Optional<Completed<R>>>> waiters = new ConcurrentLinkedQueue<>();

	/** The caller's deadline scope: every body runs in it. */
	private final @Nullable WorkScope scope;

	/**
	 * The caller's context, for bodies started on other threads; null if none will be.
	 */
	private final ContextCapture.@Nullable Snapshot context;

	/** Done once no body runs any more; enrolled in the caller's scope. */
	private final Lifetime lifetime = new Lifetime();

	/**
	 * The thread making the stream, while it does: its bodies need no context restored.
	 */
	private volatile @Nullable Thread caller;

	/** The next body to start; drain loop only. */
	private int next;

	/** How many completions were yielded; written by the drain loop only. */
	private volatile int yielded;

	/**
	 * The failure yielded, which every later next() gets too; written by the drain loop
	 * only.
	 */
	private volatile @Nullable Throwable failure;

	private volatile int wip;

	private volatile int free;

	private volatile int state;

	/** How many bodies have completed. */
	private volatile int finished;

	private volatile int subscribed;

	/** The publisher's subscription, told of ends that need no demand to be signalled. */
	private volatile @Nullable Subscription<R> subscription;

	private BoundedCompletionStream(@Nullable AsyncCallable<?>[] bodies, int limit, boolean settled,
			@Nullable WorkScope scope, ContextCapture.@Nullable Snapshot context) {
		this.bodies = bodies;
		this.settled = settled;
		this.running = new AtomicReferenceArray<>(bodies.length);
		this.free = limit;
		this.scope = scope;
		this.context = context;
	}

	static <R> CompletionStream<R> start(Collection<? extends AsyncCallable<?>> bodies, int limit, boolean settled,
			ContextCapture contextCapture) {
		Checks.notNull(bodies, "bodies");
		Checks.positive(limit, "limit");
		AsyncCallable<?>[] array = bodies.toArray(new AsyncCallable<?>[0]);
		for (int i = 0; i < array.length; i++) {
			if (array[i] == null) {
				throw new NullPointerException("bodies must not contain null, but element " + i + " is null");
			}
		}
		WorkScope scope = WorkScope.current();
		// Bodies beyond the limit may start on the threads that complete earlier ones.
		ContextCapture.Snapshot context = (array.length > limit) ? contextCapture.capture() : null;
		BoundedCompletionStream<R> stream = new BoundedCompletionStream<>(array, limit, settled, scope, context);
		if (array.length == 0) {
			stream.lifetime.complete(null);
			return stream;
		}
		stream.caller = Thread.currentThread();
		try {
			stream.drain();
		}
		finally {
			stream.caller = null;
		}
		if (scope != null && !stream.lifetime.isDone()) {
			scope.register(stream.lifetime);
		}
		return stream;
	}

	@Override
	public CompletableFuture<Optional<Completed<R>>> next() {
		if (this.waiters.isEmpty() && WIP.compareAndSet(this, 0, 1)) {
			// Nobody waits and nobody drains: answer at once if an answer is ready,
			// without queueing a waiter.
			CompletableFuture<Optional<Completed<R>>> answer = answerNow();
			if (answer == null) {
				answer = new CompletableFuture<>();
				this.waiters.offer(answer);
			}
			drainLoop();
			return answer;
		}
		CompletableFuture<Optional<Completed<R>>> waiter = new CompletableFuture<>();
		this.waiters.offer(waiter);
		drain();
		return waiter;
	}

	/**
	 * In the drain loop, with no waiter queued: the answer if one is ready, else null.
	 */
	@SuppressWarnings("unchecked")
	private @Nullable CompletableFuture<Optional<Completed<R>>> answerNow() {
		Throwable failed = this.failure;
		if (failed != null) {
			return CompletableFuture.failedFuture(failed);
		}
		if (this.yielded == this.bodies.length) {
			return CompletableFuture.completedFuture(Optional.empty());
		}
		if (this.state == CLOSED) {
			return CompletableFuture.failedFuture(closedBeforeTheEnd());
		}
		Object head = this.arrived.poll();
		if (head == null) {
			return null;
		}
		if (head instanceof Failed first) {
			this.failure = first.error();
			return CompletableFuture.failedFuture(first.error());
		}
		this.yielded++;
		return CompletableFuture.completedFuture(Optional.of((Completed<R>) head));
	}

	private CancellationException closedBeforeTheEnd() {
		return new CancellationException("completion stream closed before every body was yielded (" + this.yielded
				+ " of " + this.bodies.length + ")");
	}

	@Override
	public void close() {
		if (end(CLOSED)) {
			drain();
		}
	}

	private void drain() {
		if (WIP.getAndIncrement(this) != 0) {
			return;
		}
		drainLoop();
	}

	/** The drain loop, entered by the thread that took wip from 0 to 1. */
	private void drainLoop() {
		int missed = 1;
		for (;;) {
			startBodies();
			yieldCompletions();
			missed = WIP.addAndGet(this, -missed);
			if (missed == 0) {
				return;
			}
		}
	}

	private void startBodies() {
		while (this.state == OPEN && this.next < this.bodies.length && this.free > 0) {
			if (this.scope != null && !this.scope.admits()) {
				// Past the deadline: nothing of the scope starts any more.
				end(CLOSED);
				return;
			}
			FREE.decrementAndGet(this);
			launch(this.next++);
		}
	}

	private void yieldCompletions() {
		for (;;) {
			CompletableFuture<Optional<Completed<R>>> waiter = this.waiters.peek();
			if (waiter == null) {
				return;
			}
			if (waiter.isDone()) {
				// Cancelled or completed by its caller: it takes nothing.
				this.waiters.poll();
				continue;
			}
			if (this.failure != null) {
				this.waiters.poll();
				waiter.completeExceptionally(this.failure);
			}
			else if (this.yielded == this.bodies.length) {
				this.waiters.poll();
				waiter.complete(Optional.empty());
			}
			else if (this.state == CLOSED) {
				this.waiters.poll();
				waiter.completeExceptionally(closedBeforeTheEnd());
			}
			else {
				Object head = this.arrived.peek();
				if (head == null) {
					return;
				}
				this.waiters.poll();
				if (head instanceof Failed failed) {
					if (waiter.completeExceptionally(failed.error())) {
						this.arrived.poll();
						this.failure = failed.error();
					}
				}
				else {
					@SuppressWarnings("unchecked")
					Completed<R> completed = (Completed<R>) head;
					if (waiter.complete(Optional.of(completed))) {
						this.arrived.poll();
						this.yielded++;
					}
				}
			}
		}
	}

	private void launch(int index) {
		AsyncCallable<?> body = this.bodies[index];
		this.bodies[index] = null;
		CompletionStage<?> stage = call(index, body);
		if (Stages.isCompletedNormally(stage)) {
			arrive(index, Stages.valueOf(stage), null);
			return;
		}
		this.running.set(index, stage);
		if (this.state != OPEN) {
			// Ended while the body ran: the cancel that ended it may not have seen this
			// stage.
			if (this.running.getAndSet(index, null) != null) {
				Stages.cancel(stage);
			}
			return;
		}
		stage.whenComplete((value, error) -> {
			this.running.set(index, null);
			arrive(index, value, (error != null) ? Stages.ownFailure(error) : null);
		});
	}

	private CompletionStage<?> call(int index, @Nullable AsyncCallable<?> body) {
		ContextCapture.Scope restored = ContextCapture.Scope.NOOP;
		if (this.context != null && this.caller != Thread.currentThread()) {
			try {
				restored = this.context.restore();
			}
			catch (RuntimeException | Error ex) {
				// A context accessor is foreign code: its failure fails this body.
				return CompletableFuture.failedFuture(ex);
			}
		}
		WorkScope previous = WorkScope.install(this.scope);
		try {
			return Checks.notNull(Checks.notNull(body, "body").call(), "stage returned by body " + index);
		}
		catch (Throwable ex) {
			return CompletableFuture.failedFuture(ex);
		}
		finally {
			WorkScope.restore(previous);
			restored.close();
		}
	}

	/** A body completed: queues its result, frees its slot and goes on. */
	private void arrive(int index, @Nullable Object value, @Nullable Throwable error) {
		if (this.state == OPEN) {
			if (error == null) {
				this.arrived.offer(new Completed<>(index, this.settled ? new Outcome.Success<>(value) : value));
			}
			else if (this.settled) {
				this.arrived.offer(new Completed<>(index, new Outcome.Failure<>(error)));
			}
			else {
				this.arrived.offer(new Failed(error));
				end(FAILED);
			}
		}
		FREE.incrementAndGet(this);
		if (FINISHED.incrementAndGet(this) == this.bodies.length) {
			this.lifetime.complete(null);
		}
		drain();
	}

	/**
	 * Ends the stream: no body starts any more and the running ones are cancelled.
	 * @param to {@link #FAILED} or {@link #CLOSED}
	 * @return whether this call changed the state
	 */
	private boolean end(int to) {
		int current;
		do {
			current = this.state;
			if (current >= to) {
				return false;
			}
		}
		while (!STATE.compareAndSet(this, current, to));
		List<CompletionStage<?>> pending = new ArrayList<>();
		for (int i = 0; i < this.running.length(); i++) {
			CompletionStage<?> stage = this.running.getAndSet(i, null);
			if (stage != null) {
				pending.add(stage);
			}
		}
		Stages.cancelAll(pending);
		this.lifetime.complete(null);
		Subscription<R> subscriber = this.subscription;
		if (subscriber != null) {
			subscriber.emit();
		}
		return true;
	}

	/**
	 * Whether the next {@link #next()} ends the stream (a failure, a close or the end):
	 * the publisher signals it without demand.
	 */
	boolean endsNext() {
		return this.state == CLOSED || this.failure != null || this.yielded == this.bodies.length
				|| this.arrived.peek() instanceof Failed;
	}

	@Override
	public Flow.Publisher<Completed<R>> publisher() {
		return (subscriber) -> {
			Checks.notNull(subscriber, "subscriber");
			if (!SUBSCRIBED.compareAndSet(this, 0, 1)) {
				subscriber.onSubscribe(Refused.INSTANCE);
				subscriber.onError(new IllegalStateException(
						"a completion stream has a single subscriber, and this one already has one"));
				return;
			}
			Subscription<R> subscription = new Subscription<>(this, subscriber);
			subscriber.onSubscribe(subscription);
			this.subscription = subscription;
			// The end of an empty or already failed stream needs no demand.
			subscription.emit();
		};
	}

	@Override
	public Stream<Completed<R>> stream() {
		Spliterator<Completed<R>> completions = new Spliterators.AbstractSpliterator<>(this.bodies.length,
				Spliterator.ORDERED | Spliterator.NONNULL) {
			@Override
			public boolean tryAdvance(Consumer<? super Completed<R>> action) {
				Optional<Completed<R>> completed = await(next());
				completed.ifPresent(action);
				return completed.isPresent();
			}
		};
		return StreamSupport.stream(completions, false).onClose(this::close);
	}

	private <V> V await(CompletableFuture<V> future) {
		try {
			return future.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			close();
			CancellationException cancelled = new CancellationException(
					"interrupted while waiting for the next completion; the completion stream is closed");
			cancelled.initCause(ex);
			throw cancelled;
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof RuntimeException unchecked) {
				throw unchecked;
			}
			if (cause instanceof Error error) {
				throw error;
			}
			throw new CompletionException(cause);
		}
	}

	/** A fail-fast failure in the arrived queue. */
	private record Failed(Throwable error) {
	}

	/** Closes the stream when its caller's deadline scope cancels it. */
	private final class Lifetime extends CompletableFuture<Void> {

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			boolean cancelled = super.cancel(mayInterruptIfRunning);
			if (cancelled) {
				close();
			}
			return cancelled;
		}

	}

	/** The subscription of a refused second subscriber. */
	private enum Refused implements Flow.Subscription {

		INSTANCE;

		@Override
		public void request(long n) {
		}

		@Override
		public void cancel() {
		}

	}

	/**
	 * Asks {@link #next()} for one completion per unit of demand, one at a time; signals
	 * are serialized by an emit loop (its own wip counter), so a subscriber that requests
	 * from {@code onNext} is served by the loop, not by recursion.
	 */
	private static final class Subscription<R> implements Flow.Subscription {

		private static final AtomicIntegerFieldUpdater<Subscription> EMITTING = AtomicIntegerFieldUpdater
			.newUpdater(Subscription.class, "emitting");

		private static final AtomicLongFieldUpdater<Subscription> REQUESTED = AtomicLongFieldUpdater
			.newUpdater(Subscription.class, "requested");

		private final BoundedCompletionStream<R> stream;

		/** Dropped once cancelled or terminated (rule 3.13). */
		private volatile Flow.@Nullable Subscriber<? super Completed<R>> subscriber;

		/** Demand not yet served; emit loop and request only. */
		private volatile long requested;

		private volatile boolean cancelled;

		/** A request of 0 or less: signalled by the emit loop. */
		private volatile @Nullable IllegalArgumentException badRequest;

		private volatile int emitting;

		/** The next() in flight; emit loop only. */
		private @Nullable CompletableFuture<Optional<Completed<R>>> pending;

		private boolean terminated;

		Subscription(BoundedCompletionStream<R> stream, Flow.Subscriber<? super Completed<R>> subscriber) {
			this.stream = stream;
			this.subscriber = subscriber;
		}

		@Override
		public void request(long n) {
			if (n <= 0) {
				this.badRequest = new IllegalArgumentException(
						"request must be positive (Reactive Streams rule 3.9), but was " + n);
			}
			else {
				long current;
				long updated;
				do {
					current = this.requested;
					updated = (current + n < 0) ? Long.MAX_VALUE : current + n;
				}
				while (!REQUESTED.compareAndSet(this, current, updated));
			}
			emit();
		}

		@Override
		public void cancel() {
			this.cancelled = true;
			this.stream.subscription = null;
			this.subscriber = null;
			this.stream.close();
		}

		private void emit() {
			if (EMITTING.getAndIncrement(this) != 0) {
				return;
			}
			int missed = 1;
			for (;;) {
				emitReady();
				missed = EMITTING.addAndGet(this, -missed);
				if (missed == 0) {
					return;
				}
			}
		}

		private void emitReady() {
			while (!this.terminated) {
				Flow.Subscriber<? super Completed<R>> downstream = this.subscriber;
				if (this.cancelled || downstream == null) {
					terminate();
					return;
				}
				IllegalArgumentException bad = this.badRequest;
				if (bad != null) {
					terminate();
					this.stream.close();
					downstream.onError(bad);
					return;
				}
				CompletableFuture<Optional<Completed<R>>> next = this.pending;
				if (next == null) {
					if (this.requested == 0 && !this.stream.endsNext()) {
						return;
					}
					next = this.stream.next();
					this.pending = next;
					if (!next.isDone()) {
						next.whenComplete((value, error) -> emit());
						return;
					}
				}
				else if (!next.isDone()) {
					return;
				}
				this.pending = null;
				Optional<Completed<R>> completed;
				try {
					completed = next.join();
				}
				catch (CompletionException | CancellationException ex) {
					terminate();
					if (!this.cancelled) {
						downstream.onError(Stages.ownFailure(ex));
					}
					return;
				}
				if (completed.isEmpty()) {
					terminate();
					downstream.onComplete();
					return;
				}
				if (this.requested != Long.MAX_VALUE) {
					REQUESTED.decrementAndGet(this);
				}
				downstream.onNext(completed.get());
			}
		}

		/** No signal after this one: the subscriber is dropped (rule 3.13). */
		private void terminate() {
			this.terminated = true;
			this.subscriber = null;
			this.pending = null;
			this.stream.subscription = null;
		}

	}

}
