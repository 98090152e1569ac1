package io.lionherd.concurrency;

import java.util.concurrent.RejectedExecutionException;

import io.lionherd.concurrency.internal.Guard;

/**
 * An {@link ExecutorListener} with the clock it measures by, as a {@link TaskFuture}
 * reports to it: absent (and no clock read) when no listener is set.
 */
record ExecutorEvents(ExecutorListener listener, Ticker ticker) {

	long now() {
		return this.ticker.read();
	}

	void started(long submitted) {
		long queueNanos = this.ticker.read() - submitted;
		Guard.run(() -> this.listener.taskStarted(queueNanos), "executor listener", "task start");
	}

	void rejected(RejectedExecutionException exception) {
		Guard.run(() -> this.listener.taskRejected(exception), "executor listener", "task rejection");
	}

}
