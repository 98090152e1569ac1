package io.lionherd.concurrency;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;

import io.lionherd.concurrency.internal.ContextCapture;
import org.jspecify.annotations.Nullable;

/**
 * The future {@code runSync} returns: it is also the task handed to the executor, so that
 * {@code cancel(true)} can interrupt the thread running it (a plain
 * {@code CompletableFuture.supplyAsync} cannot) and a queued task that is cancelled never
 * runs.
 * <p>
 * Cancelling is done in steps ({@link #dequeue()}, {@link #markCancelled()},
 * {@link #interruptRunner()}), so that a fan-out cancelling many tasks
 * ({@link Stages#cancelAll}) can take each step for all of them before the next: a worker
 * freed by one task's cancellation would otherwise start the next queued task before it
 * is cancelled.
 */
final class TaskFuture<T> extends CompletableFuture<T> implements Runnable {

	private final Executor executor;

	private final ContextCapture.Snapshot context;

	/**
	 * Guards {@link #runner}. Private: callers get this future itself, and one holding
	 * its monitor must not block the worker or a cancel.
	 */
	private final Object runnerLock = new Object();

	/** Cleared once done, so a cancelled task still sitting in a queue holds nothing. */
	private @Nullable Callable<? extends T> task;

	/**
	 * Guarded by {@link #runnerLock}: no interrupt reaches the worker after the task has
	 * finished.
	 */
	private @Nullable Thread runner;

	/** Where queue waits and rejections are reported; {@code null} for nowhere. */
	private final @Nullable ExecutorEvents events;

	/**
	 * When {@link #submit()} was called, on the events' clock; written before the task is
	 * handed to the executor, so the worker sees it.
	 */
	private long submitted;

	TaskFuture(Executor executor, Callable<? extends T> task, ContextCapture.Snapshot context) {
		this(executor, task, context, null);
	}

	TaskFuture(Executor executor, Callable<? extends T> task, ContextCapture.Snapshot context,
			@Nullable ExecutorEvents events) {
		this.executor = executor;
		this.task = task;
		this.context = context;
		this.events = events;
	}

	void submit() {
		ExecutorEvents events = this.events;
		if (events != null) {
			this.submitted = events.now();
		}
		try {
			this.executor.execute(this);
		}
		catch (RejectedExecutionException ex) {
			this.task = null;
			if (events != null) {
				events.rejected(ex);
			}
			completeExceptionally(ex);
		}
	}

	@Override
	public void run() {
		Callable<? extends T> callable = this.task;
		if (callable == null || isDone()) {
			return;
		}
		if (this.events != null) {
			this.events.started(this.submitted);
		}
		synchronized (this.runnerLock) {
			this.runner = Thread.currentThread();
		}
		try {
			// Re-checked once the runner is visible: a cancel that raced with the start
			// has either seen the runner (and interrupted it) or is seen here.
			if (!isDone()) {
				T result;
				try (ContextCapture.Scope scope = this.context.restore()) {
					result = callable.call();
				}
				complete(result);
			}
		}
		catch (Throwable ex) {
			completeExceptionally(ex);
		}
		finally {
			synchronized (this.runnerLock) {
				this.runner = null;
			}
			this.task = null;
			if (isCancelled()) {
				// The interrupt was meant for this task
				// only, not for the pool's next one.
				Thread.interrupted();
			}
		}
	}

	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		boolean cancelled = cancelWithoutInterrupt();
		if (cancelled && mayInterruptIfRunning) {
			interruptRunner();
		}
		return cancelled;
	}

	/**
	 * Cancels without interrupting: marks this future cancelled, so the task never starts
	 * if it has not, and takes it out of a {@link ThreadPoolExecutor}'s queue.
	 * @return whether this call cancelled the future
	 */
	boolean cancelWithoutInterrupt() {
		boolean cancelled = markCancelled();
		if (cancelled) {
			dequeue();
		}
		return cancelled;
	}

	/**
	 * Marks this future cancelled, so the task never starts if it has not; leaves it in
	 * any queue (a worker that takes it then drops it at once).
	 * @return whether this call cancelled the future
	 */
	boolean markCancelled() {
		boolean cancelled = super.cancel(false);
		if (cancelled) {
			// Never run now: release it at once, not when
			// (if ever) a worker dequeues this entry.
			this.task = null;
		}
		return cancelled;
	}

	/**
	 * Takes the task out of a {@link ThreadPoolExecutor}'s queue, so no worker can take
	 * it. Called on a task not yet cancelled only by {@link Stages#cancelAll}, which
	 * marks it cancelled right after: a task removed from the queue and not done would
	 * never run.
	 */
	void dequeue() {
		if (this.executor instanceof ThreadPoolExecutor pool) {
			pool.remove(this);
		}
	}

	/**
	 * {@link #dequeue()} for every {@code TaskFuture} among {@code stages} not done yet,
	 * in one pass over each {@link ThreadPoolExecutor}'s queue however many there are:
	 * {@code ThreadPoolExecutor.remove} searches the queue from its head, so removing N
	 * queued tasks one by one costs O(N²), with N in the tens of thousands for a large
	 * fan-out cancelled last first. Called only by {@link Stages#cancelAll}, which marks
	 * them cancelled right after.
	 * @param stages the stages being cancelled
	 */
	static void dequeueAll(CompletionStage<?>[] stages) {
		Map<ThreadPoolExecutor, Set<TaskFuture<?>>> queued = new IdentityHashMap<>();
		for (CompletionStage<?> stage : stages) {
			if (stage instanceof TaskFuture<?> task && !task.isDone()
					&& task.executor instanceof ThreadPoolExecutor pool) {
				queued.computeIfAbsent(pool, (key) -> Collections.newSetFromMap(new IdentityHashMap<>())).add(task);
			}
		}
		queued.forEach((pool, tasks) -> {
			if (tasks.size() == 1) {
				tasks.forEach(TaskFuture::dequeue);
				return;
			}
			pool.getQueue().removeIf(tasks::contains);
			if (pool.isShutdown()) {
				// What remove would do after each task: a shut-down pool whose queue
				// just emptied may terminate now.
				pool.purge();
			}
		});
	}

	/**
	 * Last step of a cancel: interrupts the worker running the task, if it still is. Does
	 * nothing unless this future was cancelled, so only a cancelled task is ever
	 * interrupted.
	 */
	void interruptRunner() {
		if (!isCancelled()) {
			return;
		}
		synchronized (this.runnerLock) {
			if (this.runner != null) {
				this.runner.interrupt();
			}
		}
	}

	@Override
	public <U> CompletableFuture<U> newIncompleteFuture() {
		return new CompletableFuture<>();
	}

	@Override
	public String toString() {
		return "TaskFuture[" + this.task + "] " + super.toString();
	}

}
