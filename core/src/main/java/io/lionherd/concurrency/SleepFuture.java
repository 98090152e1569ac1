package io.lionherd.concurrency;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.jspecify.annotations.Nullable;

/**
 * The future {@code sleep} returns, and the command its timer runs. Ending it early
 * (cancel, {@code orTimeout}...) cancels the timer entry so it is freed at once.
 */
final class SleepFuture extends CompletableFuture<Void> implements Runnable {

	private volatile @Nullable Future<?> timer;

	void startTimer(Future<?> timer) {
		this.timer = timer;
		if (isDone()) {
			timer.cancel(false);
		}
	}

	@Override
	public void run() {
		super.complete(null);
	}

	@Override
	public boolean complete(@Nullable Void value) {
		boolean completed = super.complete(value);
		if (completed) {
			cancelTimer();
		}
		return completed;
	}

	@Override
	public boolean completeExceptionally(Throwable ex) {
		boolean completed = super.completeExceptionally(ex);
		if (completed) {
			cancelTimer();
		}
		return completed;
	}

	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		boolean cancelled = super.cancel(mayInterruptIfRunning);
		if (cancelled) {
			cancelTimer();
		}
		return cancelled;
	}

	private void cancelTimer() {
		Future<?> timer = this.timer;
		if (timer != null) {
			timer.cancel(false);
		}
	}

	@Override
	public <U> CompletableFuture<U> newIncompleteFuture() {
		return new CompletableFuture<>();
	}

}
