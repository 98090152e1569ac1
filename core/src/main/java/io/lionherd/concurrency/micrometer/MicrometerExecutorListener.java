package io.lionherd.concurrency.micrometer;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.ExecutorListener;
import io.lionherd.concurrency.internal.Checks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Records how the executor treats {@code runSync} tasks, what Micrometer's executor
 * metrics do not show: {@code lionherd.executor.queue.wait}, a timer from each
 * {@code runSync} call to the start of its task, and {@code lionherd.executor.rejected},
 * a counter of the tasks the executor refused. Both are tagged {@code name} and
 * registered at construction, so they are published (at zero) before the first task.
 */
public final class MicrometerExecutorListener implements ExecutorListener {

	static final String QUEUE_WAIT = "lionherd.executor.queue.wait";

	static final String REJECTED = "lionherd.executor.rejected";

	private final Timer queueWait;

	private final Counter rejected;

	/**
	 * @param registry where to record
	 * @param name the {@code name} tag, as the executor's {@code executor.*} meters have
	 * it (the Spring Boot starter uses {@code lionherd})
	 */
	public MicrometerExecutorListener(MeterRegistry registry, String name) {
		Checks.notNull(registry, "registry");
		Checks.notNull(name, "name");
		this.queueWait = Timer.builder(QUEUE_WAIT)
			.description("Time from a runSync call to the start of its task on the executor")
			.tag("name", name)
			.register(registry);
		this.rejected = Counter.builder(REJECTED)
			.description("runSync tasks the executor rejected")
			.tag("name", name)
			.register(registry);
	}

	@Override
	public void taskStarted(long queueNanos) {
		this.queueWait.record(queueNanos, TimeUnit.NANOSECONDS);
	}

	@Override
	public void taskRejected(RejectedExecutionException exception) {
		this.rejected.increment();
	}

}
