package io.lionherd.concurrency.autoconfigure;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * The thread pool {@link LionherdExecutorConfigurations} creates: a
 * {@link ThreadPoolTaskExecutor} that keeps two promises of {@code runSync} whatever the
 * configuration.
 * <ul>
 * <li>A cancelled queued task leaves the queue at once, with or without a
 * {@link TaskDecorator}. Spring's pool queues the decorator's wrapper, not the task, so
 * {@code ThreadPoolExecutor.remove(task)} finds nothing and the cancelled task (with
 * everything it holds) stays queued until a worker dequeues it. Here each wrapper
 * remembers its task and the queue removes the wrapper of the task asked for. The
 * decorator is still applied when the task is submitted, on the caller's thread, where
 * decorators capture the context they propagate.</li>
 * <li>No queued future is left pending by a shutdown. Without {@code await-termination},
 * Spring already drains the queue and cancels what it drained. With it, Spring waits up
 * to {@code await-termination-period} and then leaves the rest queued: those tasks would
 * run after the context is gone, or never, and their futures (and any {@code gather} over
 * them) would never complete. Here the executor then gives up as it does without waiting:
 * queued tasks are cancelled and running ones interrupted.</li>
 * </ul>
 */
final class LionherdThreadPoolTaskExecutor extends ThreadPoolTaskExecutor {

	private boolean waitForTasksToCompleteOnShutdown;

	private @Nullable ThreadPoolExecutor pool;

	@Override
	public void setTaskDecorator(TaskDecorator taskDecorator) {
		super.setTaskDecorator(new RemovableTaskDecorator(taskDecorator));
	}

	@Override
	public void setWaitForTasksToCompleteOnShutdown(boolean waitForJobsToCompleteOnShutdown) {
		super.setWaitForTasksToCompleteOnShutdown(waitForJobsToCompleteOnShutdown);
		this.waitForTasksToCompleteOnShutdown = waitForJobsToCompleteOnShutdown;
	}

	@Override
	protected ExecutorService initializeExecutor(ThreadFactory threadFactory,
			RejectedExecutionHandler rejectedExecutionHandler) {
		ExecutorService executor = super.initializeExecutor(threadFactory, rejectedExecutionHandler);
		this.pool = (ThreadPoolExecutor) executor;
		return executor;
	}

	@Override
	protected BlockingQueue<Runnable> createQueue(int queueCapacity) {
		return (queueCapacity > 0) ? new DecoratedTaskQueue(queueCapacity) : super.createQueue(queueCapacity);
	}

	@Override
	public void shutdown() {
		super.shutdown();
		ThreadPoolExecutor pool = this.pool;
		if (this.waitForTasksToCompleteOnShutdown && pool != null && !pool.isTerminated()) {
			// The wait is over (or was zero) and tasks
			// are left: give up as without waiting.
			for (Runnable remaining : pool.shutdownNow()) {
				cancelRemainingTask(remaining);
			}
		}
	}

	@Override
	protected void cancelRemainingTask(Runnable task) {
		super.cancelRemainingTask((task instanceof DecoratedTask decorated) ? decorated.task : task);
	}

	/**
	 * Applies the configured decorator and keeps the task it decorated next to the
	 * result, so the queue can find the task again.
	 */
	private static final class RemovableTaskDecorator implements TaskDecorator {

		private final TaskDecorator decorator;

		RemovableTaskDecorator(TaskDecorator decorator) {
			this.decorator = decorator;
		}

		@Override
		public Runnable decorate(Runnable task) {
			Runnable decorated = this.decorator.decorate(task);
			return (decorated != task) ? new DecoratedTask(task, decorated) : task;
		}

	}

	/**
	 * What the queue holds for a decorated task: the decorator's wrapper, which it runs,
	 * and the task itself, which {@code remove} is asked for.
	 */
	private static final class DecoratedTask implements Runnable {

		private final Runnable task;

		private final Runnable decorated;

		DecoratedTask(Runnable task, Runnable decorated) {
			this.task = task;
			this.decorated = decorated;
		}

		@Override
		public void run() {
			this.decorated.run();
		}

		@Override
		public String toString() {
			return "Decorated[" + this.task + "]";
		}

	}

	/**
	 * The pool's queue: {@code remove(task)} also removes the {@link DecoratedTask} of
	 * that task, which is what {@code ThreadPoolExecutor.remove} is asked for when a
	 * {@code runSync} future is cancelled. Linear, as {@link LinkedBlockingQueue#remove}
	 * itself; {@code removeIf} likewise, in one pass however many it removes.
	 */
	private static final class DecoratedTaskQueue extends LinkedBlockingQueue<Runnable> {

		private static final long serialVersionUID = 1L;

		DecoratedTaskQueue(int capacity) {
			super(capacity);
		}

		@Override
		public boolean remove(Object task) {
			if (task instanceof DecoratedTask) {
				return super.remove(task);
			}
			for (Runnable queued : this) {
				if (queued == task || (queued instanceof DecoratedTask decorated && decorated.task == task)) {
					// False if a worker took it meanwhile, as for a plain remove.
					return super.remove(queued);
				}
			}
			return false;
		}

		/**
		 * Also removes the {@link DecoratedTask} of a task the filter accepts: how
		 * {@code runSync} takes many cancelled tasks out in one pass.
		 */
		@Override
		public boolean removeIf(Predicate<? super Runnable> filter) {
			return super.removeIf((queued) -> filter.test(queued)
					|| (queued instanceof DecoratedTask decorated && filter.test(decorated.task)));
		}

	}

}
