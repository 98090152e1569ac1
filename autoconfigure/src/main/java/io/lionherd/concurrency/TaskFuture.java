package io.lionherd.concurrency;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;

import org.jspecify.annotations.Nullable;

/**
 * The future {@code runSync} returns: it is also the task handed to the executor, so that
 * {@code cancel(true)} can interrupt the thread running it (a plain
 * {@code CompletableFuture.supplyAsync} cannot) and a queued task that is cancelled never runs.
 */
final class TaskFuture<T> extends CompletableFuture<T> implements Runnable {

	private final Executor executor;

	private final ContextCapture.Snapshot context;

	/** Cleared once done, so a cancelled task still sitting in a queue holds nothing. */
	private @Nullable Callable<? extends T> task;

	/** Guarded by {@code this}: no interrupt reaches the worker after the task has finished. */
	private @Nullable Thread runner;

	TaskFuture(Executor executor, Callable<? extends T> task, ContextCapture.Snapshot context) {
		this.executor = executor;
		this.task = task;
		this.context = context;
	}

	void submit() {
		try {
			this.executor.execute(this);
		}
		catch (RejectedExecutionException ex) {
			this.task = null;
			completeExceptionally(ex);
		}
	}

	@Override
	public void run() {
		Callable<? extends T> callable = this.task;
		if (callable == null || isDone()) {
			return;
		}
		synchronized (this) {
			this.runner = Thread.currentThread();
		}
		try {
			// Re-checked once the runner is visible: a cancel that raced with the start has
			// either seen the runner (and interrupted it) or is seen here.
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
			synchronized (this) {
				this.runner = null;
			}
			this.task = null;
			if (isCancelled()) {
				// The interrupt was meant for this task only, not for the pool's next one.
				Thread.interrupted();
			}
		}
	}

	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		boolean cancelled = super.cancel(mayInterruptIfRunning);
		if (cancelled) {
			// Never run now: release it at once, not when (if ever) a worker dequeues this entry.
			this.task = null;
			if (mayInterruptIfRunning) {
				synchronized (this) {
					if (this.runner != null) {
						this.runner.interrupt();
					}
				}
			}
			if (this.executor instanceof ThreadPoolExecutor pool) {
				pool.remove(this);
			}
		}
		return cancelled;
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
