package io.lionherd.concurrency;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import io.lionherd.concurrency.capacity.ConcurrencyLimitFactory;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.ContextCapture;
import io.lionherd.concurrency.internal.Guard;
import io.lionherd.concurrency.internal.WakeUpExecutor;
import io.lionherd.concurrency.internal.WorkScope;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterFactory;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import org.jspecify.annotations.Nullable;

/**
 * The async helpers of lionherd-core for Java: {@code isAsync} ({@code is_coro_func}),
 * {@code currentTime}, {@code runSync}, {@code gather}, {@code sleep}, the performance
 * monitor and sliding-window rate limiters.
 * <p>
 * Thread-safe. Build one with {@link #builder()} (plain Java) or let the Spring Boot
 * starter auto-configure it.
 *
 * <pre>{@code
 * AsyncUtils async = AsyncUtils.create(executor);
 * CompletableFuture<List<String>> all = async.gather(
 *         async.runSync(() -> blockingOperation(0.15, "task-A")),
 *         async.runSync(() -> blockingOperation(0.15, "task-B")));
 * }</pre>
 */
public final class AsyncUtils {

	/** Stands in for the handle of a recorder that failed to start. */
	private static final String MONITOR_RECORDER = "monitor recorder";

	private static final MonitorRecorder.Monitoring NO_MONITORING = (error, nanos) -> {
	};

	/**
	 * Stands for the handle of a recorder that keeps {@link MonitorRecorder#start}'s
	 * default: the call is then recorded when it stops, with no handle per call.
	 */
	private static final MonitorRecorder.Monitoring RECORD_AT_STOP = (error, nanos) -> {
	};

	private final Executor executor;

	private final Executor wakeUpExecutor;

	private final Ticker ticker;

	/** The ticker's reading when this instance was built; see {@link #currentTime()}. */
	private final long origin;

	/** {@link #origin} in seconds. */
	private final double originSeconds;

	private final DelayScheduler scheduler;

	private final AsyncDetector detector;

	private final ContextCapture contextCapture;

	private final MonitorRecorder monitorRecorder;

	/** Whether {@link #monitorRecorder} keeps {@code start}'s default. */
	private final boolean recordsAtStop;

	/** {@code null} without an {@link ExecutorListener}: then no clock read per task. */
	private final @Nullable ExecutorEvents executorEvents;

	private final RetryRecorder retryRecorder;

	/** Makes the objects of deadline scopes that need one. */
	private final DeadlineScope.Opener scopes;

	private AsyncUtils(Builder builder) {
		this.executor = Checks.notNull(builder.executor, "executor");
		this.wakeUpExecutor = builder.wakeUpExecutor;
		this.ticker = builder.ticker;
		this.origin = this.ticker.read();
		this.originSeconds = this.origin / 1e9;
		this.scheduler = builder.scheduler;
		this.detector = new AsyncDetector(builder.targetResolver);
		this.contextCapture = builder.propagateContext ? ContextCapture.detect() : ContextCapture.NONE;
		this.monitorRecorder = builder.monitorRecorder;
		this.recordsAtStop = recordsAtStop(builder.monitorRecorder);
		this.executorEvents = (builder.executorListener != null)
				? new ExecutorEvents(builder.executorListener, this.ticker) : null;
		this.retryRecorder = builder.retryRecorder;
		this.scopes = new DeadlineScope.Opener(this.ticker, this.scheduler, this.wakeUpExecutor);
	}

	/**
	 * An instance running blocking work on {@code executor}, with the system clock and
	 * the shared timer.
	 * @param executor where {@code runSync} runs tasks
	 * @return a new instance
	 */
	public static AsyncUtils create(Executor executor) {
		return builder().executor(executor).build();
	}

	/**
	 * Starts building an instance.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Whether {@code callable} is async: an {@link AsyncCallable}, a {@link Method} that
	 * {@link #isAsync(Method)} accepts, an object of a functional interface whose method
	 * returns an async type, or a wrapper ({@link Delegating}, such as {@link Partial};
	 * Spring AOP or JDK proxies) whose target is async, looked through to any depth. The
	 * answer per class is cached.
	 * @param callable what to check; {@code null} is not async
	 * @return whether it is async
	 */
	public boolean isAsync(@Nullable Object callable) {
		return this.detector.isAsync(callable);
	}

	/**
	 * Whether {@code method} is async: it returns a {@link CompletionStage}, a
	 * {@link java.util.concurrent.Future}, a {@link java.util.concurrent.Flow.Publisher}
	 * or an {@code org.reactivestreams.Publisher}, or it is a Kotlin {@code suspend}
	 * function.
	 * @param method the method to check
	 * @return whether it is async
	 */
	public boolean isAsync(Method method) {
		return AsyncDetector.isAsync(method);
	}

	/**
	 * Seconds from this instance's monotonic clock: for measuring intervals only; it
	 * never goes backwards and ignores wall-clock changes.
	 * @return the current time in seconds
	 */
	public double currentTime() {
		// Elapsed nanoseconds since the origin, by difference, so a ticker that wraps
		// around (as System.nanoTime may) keeps counting up; added to the origin's own
		// seconds so that readings keep the ticker's scale. Both steps are monotonic in
		// the elapsed time.
		return this.originSeconds + (this.ticker.read() - this.origin) / 1e9;
	}

	/**
	 * Wraps {@code task} so that it runs, on whatever thread and whenever it is run, in
	 * the calling thread's context as it is now: its SLF4J MDC, its Micrometer
	 * context-propagation values (the current observation, tracing, security...) and its
	 * context class loader, as {@code runSync} tasks and later {@code retry} attempts do
	 * (nothing when {@link Builder#propagateContext propagation} is off). The running
	 * thread's own context is put back afterwards. For user code continued on the
	 * library's wake-up threads: <pre>{@code
	 * limiter.acquire().thenRun(async.withCurrentContext(() -> client.send(request)));
	 * }</pre>
	 * @param task the code to run later
	 * @return {@code task} in the current context
	 * @throws NullPointerException if {@code task} is {@code null}
	 */
	public Runnable withCurrentContext(Runnable task) {
		return this.contextCapture.inCurrentContext(Checks.notNull(task, "task"));
	}

	/**
	 * Runs a blocking task on the executor; the caller never blocks.
	 * <p>
	 * The future fails with the task's own exception. {@code cancel(true)} interrupts the
	 * worker running the task, or, if it has not started, ensures it never runs (and
	 * removes it from a {@link java.util.concurrent.ThreadPoolExecutor}'s queue). A full
	 * executor fails the future with
	 * {@link java.util.concurrent.RejectedExecutionException}. The caller's MDC and
	 * Micrometer context go with the task.
	 * <p>
	 * If the executor is a plain {@link java.util.concurrent.ExecutorService} that you
	 * shut down with {@code shutdownNow()}, the tasks it drains from its queue are handed
	 * to you, not cancelled: their futures stay pending (and a {@code gather} over them
	 * never completes) unless you cancel them. Each drained {@code Runnable} is the
	 * future itself, so: <pre>{@code
	 * for (Runnable drained : pool.shutdownNow()) {
	 *     if (drained instanceof Future<?> future) {
	 *         future.cancel(false);
	 *     }
	 * }
	 * }</pre>
	 * @param task the blocking work
	 * @param <T> the result type
	 * @return the task's future
	 */
	public <T> CompletableFuture<T> runSync(Callable<T> task) {
		Checks.notNull(task, "task");
		WorkScope scope = WorkScope.current();
		if (scope == null) {
			TaskFuture<T> future = new TaskFuture<>(this.executor, task, this.contextCapture.capture(),
					this.executorEvents);
			future.submit();
			return future;
		}
		TaskFuture<T> future = new TaskFuture<>(this.executor, task, withScope(this.contextCapture.capture(), scope),
				this.executorEvents);
		scope.register(future);
		if (!future.isDone()) {
			future.submit();
		}
		return future;
	}

	/**
	 * Runs a blocking task with no result on the executor; see
	 * {@link #runSync(Callable)}.
	 * @param task the blocking work
	 * @return the task's future
	 */
	public CompletableFuture<Void> runSync(Runnable task) {
		Checks.notNull(task, "task");
		return runSync(Executors.callable(task, (Void) null));
	}

	/**
	 * Waits for every stage: results in input order. The first failure fails the whole
	 * with that failure's own exception and cancels every input not yet done; cancelling
	 * the returned future cancels every input.
	 * @param stages the stages to wait for
	 * @param <T> the result type
	 * @return the results in input order; an empty list at once for no input
	 */
	public <T> CompletableFuture<List<T>> gather(Collection<? extends CompletionStage<? extends T>> stages) {
		return enrol(GatherFuture.all(stages));
	}

	/**
	 * Varargs form of {@link #gather(Collection)}.
	 * @param stages the stages to wait for
	 * @param <T> the result type
	 * @return the results in input order
	 */
	@SafeVarargs
	public final <T> CompletableFuture<List<T>> gather(CompletionStage<? extends T>... stages) {
		return enrol(GatherFuture.all(Arrays.asList(Checks.notNull(stages, "stages"))));
	}

	/**
	 * Waits for every stage and never fails because one did (Python's
	 * {@code return_exceptions=True}): one {@link Outcome} per input, in order; a
	 * cancelled input is a {@link Outcome.Failure} holding a
	 * {@link java.util.concurrent.CancellationException}.
	 * @param stages the stages to wait for
	 * @param <T> the result type
	 * @return the outcomes in input order
	 */
	public <T> CompletableFuture<List<Outcome<T>>> gatherSettled(
			Collection<? extends CompletionStage<? extends T>> stages) {
		return enrol(GatherFuture.settled(stages));
	}

	/**
	 * Varargs form of {@link #gatherSettled(Collection)}.
	 * @param stages the stages to wait for
	 * @param <T> the result type
	 * @return the outcomes in input order
	 */
	@SafeVarargs
	public final <T> CompletableFuture<List<Outcome<T>>> gatherSettled(CompletionStage<? extends T>... stages) {
		return enrol(GatherFuture.settled(Arrays.asList(Checks.notNull(stages, "stages"))));
	}

	/**
	 * Completes after {@code duration} without holding a thread: the timer (by default
	 * one thread shared by the JVM, see {@link Builder#scheduler}) serves every sleep,
	 * and the completion runs on the wake-up executor (see
	 * {@link Builder#wakeUpExecutor}), never behind blocking {@code runSync} work.
	 * Cancelling the future removes its timer entry at once.
	 * @param duration how long to sleep, zero or more
	 * @return a future completing after {@code duration}
	 * @throws NullPointerException if {@code duration} is {@code null}
	 * @throws IllegalArgumentException if {@code duration} is negative
	 */
	public CompletableFuture<Void> sleep(Duration duration) {
		long nanos = Checks.saturatedNanos(Checks.notNegative(duration, "duration"));
		if (nanos == 0) {
			return CompletableFuture.completedFuture(null);
		}
		return sleepNanos(nanos);
	}

	private CompletableFuture<Void> sleepNanos(long nanos) {
		if (nanos == 0) {
			return CompletableFuture.completedFuture(null);
		}
		SleepFuture sleep = new SleepFuture();
		WorkScope scope = WorkScope.current();
		if (scope == null) {
			sleep.startTimer(this.scheduler.schedule(this.wakeUpExecutor, sleep, nanos, TimeUnit.NANOSECONDS));
			return sleep;
		}
		// The wake-up completes the sleep in the scope, so continuations run in it too.
		scope.register(sleep);
		if (!sleep.isDone()) {
			sleep.startTimer(
					this.scheduler.schedule(this.wakeUpExecutor, () -> scope.run(sleep), nanos, TimeUnit.NANOSECONDS));
		}
		return sleep;
	}

	/**
	 * The performance monitor, blocking path: runs {@code task} with
	 * {@link #runSync(Callable)} and measures from this call to its completion. Recorded,
	 * success or failure, as the {@code lionherd.monitor} timer; a failure fails the
	 * future with the task's own exception. Cancelling the returned future cancels the
	 * task.
	 * @param name the monitor name, one of a small fixed set (it becomes a metric tag)
	 * @param task the blocking work
	 * @param <T> the result type
	 * @return the result, elapsed time and {@link ExecutionType#SYNC}
	 */
	public <T> CompletableFuture<MonitorResult<T>> monitor(String name, Callable<T> task) {
		Checks.notNull(name, "name");
		Checks.notNull(task, "task");
		long start = this.ticker.read();
		MonitorRecorder.Monitoring monitoring = startMonitoring(name, ExecutionType.SYNC);
		return measure(name, ExecutionType.SYNC, start, monitoring, runSync(wrap(monitoring, name, task)));
	}

	/**
	 * The performance monitor, async path: calls {@code task} on the caller's thread and
	 * measures until its stage completes. Recorded like
	 * {@link #monitor(String, Callable)}.
	 * @param name the monitor name, one of a small fixed set (it becomes a metric tag)
	 * @param task the async work
	 * @param <T> the result type
	 * @return the result, elapsed time and {@link ExecutionType#ASYNC}
	 */
	public <T> CompletableFuture<MonitorResult<T>> monitorAsync(String name, AsyncCallable<T> task) {
		Checks.notNull(name, "name");
		Checks.notNull(task, "task");
		long start = this.ticker.read();
		MonitorRecorder.Monitoring monitoring = startMonitoring(name, ExecutionType.ASYNC);
		CompletionStage<T> stage;
		try {
			stage = Checks.notNull(
					(monitoring != RECORD_AT_STOP) ? wrap(monitoring, name, task::call).call() : task.call(),
					"stage returned by task");
		}
		catch (Throwable ex) {
			stage = CompletableFuture.failedFuture(ex);
		}
		return measure(name, ExecutionType.ASYNC, start, monitoring, stage);
	}

	/**
	 * The performance monitor for a call that returns its own stage and must keep it
	 * (what {@code @Monitored} does for a method returning a {@link CompletionStage}):
	 * calls {@code task} on the caller's thread and hands back the very stage it
	 * returned, recording, like {@link #monitorAsync}, from this call until that stage
	 * completes. What {@code task} throws is recorded as a failure and thrown, unchanged;
	 * a {@code null} it returns is recorded as a failure and returned. <pre>{@code
	 * CompletableFuture<Quote> quote = async.monitorStage("quote", () -> client.quoteAsync(symbol));
	 * }</pre>
	 * @param name the monitor name, one of a small fixed set (it becomes a metric tag)
	 * @param task the async work
	 * @param <S> the stage type
	 * @return the stage {@code task} returned
	 * @throws Exception what {@code task} threw, after it was recorded
	 */
	public <S extends CompletionStage<?>> S monitorStage(String name, Callable<S> task) throws Exception {
		Checks.notNull(name, "name");
		Checks.notNull(task, "task");
		long start = this.ticker.read();
		MonitorRecorder.Monitoring monitoring = startMonitoring(name, ExecutionType.ASYNC);
		S stage;
		try {
			stage = (monitoring != RECORD_AT_STOP) ? wrap(monitoring, name, task).call() : task.call();
		}
		catch (Throwable ex) {
			stop(monitoring, name, ExecutionType.ASYNC, ex, this.ticker.read() - start);
			throw ex;
		}
		if (stage == null) {
			stop(monitoring, name, ExecutionType.ASYNC, new NullPointerException("stage returned by task is null"),
					this.ticker.read() - start);
			return stage;
		}
		if (Stages.isCompletedNormally(stage)) {
			stop(monitoring, name, ExecutionType.ASYNC, null, this.ticker.read() - start);
		}
		else {
			stage.whenComplete((value, error) -> stop(monitoring, name, ExecutionType.ASYNC,
					(error != null) ? Stages.ownFailure(error) : null, this.ticker.read() - start));
		}
		return stage;
	}

	private <T> CompletableFuture<MonitorResult<T>> measure(String name, ExecutionType type, long start,
			MonitorRecorder.Monitoring monitoring, CompletionStage<T> stage) {
		if (Stages.isCompletedNormally(stage)) {
			return CompletableFuture.completedFuture(finish(name, type, start, monitoring, Stages.valueOf(stage)));
		}
		CompletableFuture<MonitorResult<T>> result = new CompletableFuture<>();
		stage.whenComplete((value, error) -> {
			if (error == null) {
				result.complete(finish(name, type, start, monitoring, value));
			}
			else {
				Throwable cause = Stages.ownFailure(error);
				stop(monitoring, name, type, cause, this.ticker.read() - start);
				result.completeExceptionally(cause);
			}
		});
		result.whenComplete((value, error) -> {
			if (result.isCancelled()) {
				Stages.cancel(stage);
			}
		});
		return result;
	}

	private <T> MonitorResult<T> finish(String name, ExecutionType type, long start,
			MonitorRecorder.Monitoring monitoring, @Nullable T value) {
		long elapsed = this.ticker.read() - start;
		stop(monitoring, name, type, null, elapsed);
		return new MonitorResult<>(value, Duration.ofNanos(elapsed), type);
	}

	/**
	 * A failing recorder (a throwing meter filter or observation handler, say) must not
	 * fail or strand the monitored call: it is then not recorded.
	 */
	private MonitorRecorder.Monitoring startMonitoring(String name, ExecutionType type) {
		if (this.recordsAtStop) {
			return RECORD_AT_STOP;
		}
		try {
			MonitorRecorder.Monitoring monitoring = this.monitorRecorder.start(name, type);
			return (monitoring != null) ? monitoring : NO_MONITORING;
		}
		catch (RuntimeException | LinkageError ex) {
			Guard.failed(MONITOR_RECORDER, name, ex);
			return NO_MONITORING;
		}
	}

	private static <T> Callable<T> wrap(MonitorRecorder.Monitoring monitoring, String name, Callable<T> task) {
		try {
			Callable<T> wrapped = monitoring.wrap(task);
			return (wrapped != null) ? wrapped : task;
		}
		catch (RuntimeException | LinkageError ex) {
			Guard.failed(MONITOR_RECORDER, name, ex);
			return task;
		}
	}

	/**
	 * Whether {@code recorder} keeps {@code start}'s default, which only records when the
	 * call stops: then the monitor records directly, without a handle per call.
	 */
	private static boolean recordsAtStop(MonitorRecorder recorder) {
		try {
			return recorder.getClass()
				.getMethod("start", String.class, ExecutionType.class)
				.getDeclaringClass() == MonitorRecorder.class;
		}
		catch (NoSuchMethodException | SecurityException ex) {
			return false;
		}
	}

	// try/catch rather than Guard.run: the monitor is a hot path, and a capturing lambda
	// per call showed up in its allocation rate.
	private void stop(MonitorRecorder.Monitoring monitoring, String name, ExecutionType type, @Nullable Throwable error,
			long nanos) {
		try {
			if (monitoring == RECORD_AT_STOP) {
				this.monitorRecorder.record(name, type, error, nanos);
			}
			else {
				monitoring.stop(error, nanos);
			}
		}
		catch (RuntimeException | LinkageError ex) {
			Guard.failed(MONITOR_RECORDER, name, ex);
		}
	}

	/**
	 * An unnamed in-memory sliding-window rate limiter on this instance's clock and
	 * timer; granted waiters complete on this instance's wake-up executor. Named
	 * limiters, published as meters, come from a
	 * {@link io.lionherd.concurrency.ratelimit.RateLimiterRegistry}.
	 * @param maxCalls the most permits granted in any window of {@code period}, at least
	 * 1
	 * @param period the window length, positive
	 * @return a new limiter
	 */
	public RateLimiter rateLimiter(int maxCalls, Duration period) {
		return rateLimiterFactory().create("", RateLimiterConfig.of(maxCalls, period), RateLimiterListener.none());
	}

	/**
	 * Makes in-memory limiters on this instance's clock, timer and wake-up executor: give
	 * it to a {@link io.lionherd.concurrency.ratelimit.RateLimiterRegistry} so that its
	 * limiters share them.
	 * @return the factory
	 */
	public RateLimiterFactory rateLimiterFactory() {
		return RateLimiterFactory.inMemory(this.ticker, this.scheduler, this.wakeUpExecutor);
	}

	/**
	 * Makes in-memory concurrency limits on this instance's clock and timer: give it to a
	 * {@link io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry} so that its
	 * limits time their waits and timeouts as this instance does.
	 * @return the factory
	 */
	public ConcurrencyLimitFactory concurrencyLimitFactory() {
		return ConcurrencyLimitFactory.inMemory(this.ticker, this.scheduler);
	}

	/**
	 * Where this instance reports how each named {@code retry} ended: give it to
	 * {@code io.lionherd.concurrency.reactor.RetryOperator#of(RetryPolicy, String, RetryRecorder)}
	 * so that reactive retries are counted with the others.
	 * @return the recorder ({@link RetryRecorder#none()} unless one was set)
	 */
	public RetryRecorder retryRecorder() {
		return this.retryRecorder;
	}

	/**
	 * lionherd-core's {@code fail_after}: runs {@code body} (on the calling thread) as a
	 * deadline scope. The result completes as {@code body}'s stage does if that is before
	 * the deadline; at the deadline it fails with a
	 * {@link java.util.concurrent.TimeoutException} naming the timeout, and the work of
	 * the scope still pending is cancelled: every {@code runSync} task, {@code sleep},
	 * {@code gather}, {@code race}, {@code boundedMap}, {@code retry}, nested scope and
	 * in-memory limiter {@code acquire} started through this library while {@code body}
	 * runs, in the {@code runSync} tasks started from there (recursively) and in the
	 * continuations of the sleeps and limiter grants among them ({@code runSync} workers
	 * are interrupted, sleeps and limiter waits leave the timer and the queue). Work that
	 * user code starts on threads of its own is not covered. Nothing of the scope starts
	 * once its deadline has passed, even before its timer fires: a {@code runSync} task
	 * is then never submitted, a fan-out calls no further function. A scope that ends in
	 * time leaves no timer entry; its work still pending passes to the enclosing scope
	 * (and is cancelled at that scope's deadline), or is forgotten outside any. Nested
	 * scopes can only shorten the deadline, never remove it: a nested scope that outlives
	 * the scope enclosing it still times out at its own deadline. The result completes
	 * with the enclosing scope current (or none), so its continuations are not work of
	 * this scope. Cancelling the result cancels the work too.
	 *
	 * <pre>{@code
	 * async.failAfter(Duration.ofMillis(250), () -> async.runSync(() -> fetch(url)))
	 *     .exceptionally((ex) -> fallback);    // TimeoutException: fetch was interrupted
	 * }</pre>
	 * @param timeout how long the scope may run; with {@link Duration#ZERO} the scope is
	 * cancelled before {@code body} runs, so nothing it starts runs, and the result is a
	 * {@code TimeoutException} unless {@code body} returned an already-completed stage
	 * without starting work (then that stage's outcome)
	 * @param body the work
	 * @param <T> the result type
	 * @return the result of {@code body}, or a failure with {@code TimeoutException}
	 * @throws NullPointerException if an argument is {@code null}
	 * @throws IllegalArgumentException if {@code timeout} is negative
	 */
	public <T> CompletableFuture<T> failAfter(Duration timeout, AsyncCallable<T> body) {
		long nanos = Checks.saturatedNanos(Checks.notNegative(timeout, "timeout"));
		Checks.notNull(body, "body");
		return scope(this.ticker.read(), nanos, Double.NaN, 0, body);
	}

	/**
	 * lionherd-core's {@code fail_at}: {@link #failAfter(Duration, AsyncCallable)} with
	 * an absolute deadline; a deadline already past is handled as {@link Duration#ZERO}:
	 * nothing {@code body} starts runs, and the result times out unless {@code body}
	 * returned an already-completed stage without starting work.
	 * @param deadline in {@link #currentTime()} seconds
	 * @param body the work
	 * @param <T> the result type
	 * @return the result of {@code body}, or a failure with {@code TimeoutException}
	 * @throws NullPointerException if {@code body} is {@code null}
	 * @throws IllegalArgumentException if {@code deadline} is NaN
	 */
	public <T> CompletableFuture<T> failAt(double deadline, AsyncCallable<T> body) {
		checkDeadline(deadline);
		Checks.notNull(body, "body");
		long now = this.ticker.read();
		return scope(now, nanosUntil(deadline, now), deadline, 0, body);
	}

	/**
	 * lionherd-core's {@code move_on_after}: like
	 * {@link #failAfter(Duration, AsyncCallable)}, but at the deadline the work is
	 * cancelled and the result is {@link Optional#empty()}; before it,
	 * {@code Optional.ofNullable(result)}. A failure of {@code body} fails it. With
	 * {@link Duration#ZERO} (or a past deadline) nothing {@code body} starts runs and the
	 * result is empty unless {@code body} returned an already-completed stage without
	 * starting work.
	 * @param timeout how long the scope may run
	 * @param body the work
	 * @param <T> the result type
	 * @return the result of {@code body}, empty if the deadline came first
	 * @throws NullPointerException if an argument is {@code null}
	 * @throws IllegalArgumentException if {@code timeout} is negative
	 */
	public <T> CompletableFuture<Optional<T>> moveOnAfter(Duration timeout, AsyncCallable<T> body) {
		long nanos = Checks.saturatedNanos(Checks.notNegative(timeout, "timeout"));
		Checks.notNull(body, "body");
		return scope(this.ticker.read(), nanos, Double.NaN, DeadlineScope.MOVE_ON, body);
	}

	/**
	 * lionherd-core's {@code move_on_at}: {@link #moveOnAfter(Duration, AsyncCallable)}
	 * with an absolute deadline.
	 * @param deadline in {@link #currentTime()} seconds
	 * @param body the work
	 * @param <T> the result type
	 * @return the result of {@code body}, empty if the deadline came first
	 * @throws NullPointerException if {@code body} is {@code null}
	 * @throws IllegalArgumentException if {@code deadline} is NaN
	 */
	public <T> CompletableFuture<Optional<T>> moveOnAt(double deadline, AsyncCallable<T> body) {
		checkDeadline(deadline);
		Checks.notNull(body, "body");
		long now = this.ticker.read();
		return scope(now, nanosUntil(deadline, now), deadline, DeadlineScope.MOVE_ON, body);
	}

	/**
	 * lionherd-core's {@code effective_deadline}: the nearest deadline of the scopes
	 * enclosing the caller, on the thread running a scope's body, in the {@code runSync}
	 * tasks it started and in the continuations of its sleeps and limiter grants, while
	 * that scope is open; not in the continuations of a scope's own result.
	 * @return the deadline in {@link #currentTime()} seconds, empty outside any scope
	 */
	public OptionalDouble effectiveDeadline() {
		if (WorkScope.current() instanceof DeadlineScope scope) {
			return OptionalDouble.of(this.originSeconds + (scope.deadline() - this.origin) / 1e9);
		}
		return OptionalDouble.empty();
	}

	/**
	 * lionherd-core's {@code race}: the first input to complete decides, with its value
	 * or its own exception; every other input is cancelled ({@code runSync} workers
	 * interrupted). Cancelling the result cancels every input.
	 * @param stages the contenders
	 * @param <T> the result type
	 * @return the first result
	 * @throws NullPointerException if {@code stages} is or holds {@code null}
	 * @throws IllegalArgumentException if {@code stages} is empty
	 */
	public <T> CompletableFuture<T> race(Collection<? extends CompletionStage<? extends T>> stages) {
		return enrol(RaceFuture.race(stages));
	}

	/**
	 * Varargs form of {@link #race(Collection)}.
	 * @param stages the contenders
	 * @param <T> the result type
	 * @return the first result
	 */
	@SafeVarargs
	public final <T> CompletableFuture<T> race(CompletionStage<? extends T>... stages) {
		return enrol(RaceFuture.race((CompletionStage<?>[]) stages));
	}

	/**
	 * Hedging: the first input to succeed decides and every other is cancelled. Fails
	 * only when every input failed, with the first failure (in time) and the others added
	 * to it as suppressed.
	 * @param stages the contenders
	 * @param <T> the result type
	 * @return the first success
	 * @throws NullPointerException if {@code stages} is or holds {@code null}
	 * @throws IllegalArgumentException if {@code stages} is empty
	 */
	public <T> CompletableFuture<T> firstSuccessful(Collection<? extends CompletionStage<? extends T>> stages) {
		return enrol(RaceFuture.firstSuccessful(stages));
	}

	/**
	 * Varargs form of {@link #firstSuccessful(Collection)}.
	 * @param stages the contenders
	 * @param <T> the result type
	 * @return the first success
	 */
	@SafeVarargs
	public final <T> CompletableFuture<T> firstSuccessful(CompletionStage<? extends T>... stages) {
		return enrol(RaceFuture.firstSuccessful((CompletionStage<?>[]) stages));
	}

	/**
	 * lionherd-core's {@code bounded_map}: applies {@code fn} to every item, calling it
	 * for an item only while fewer than {@code limit} calls are in flight; results in
	 * input order. The first failure fails the result with its own exception, cancels the
	 * calls in flight and starts no more. Cancelling the result cancels the calls in
	 * flight.
	 * @param items the items
	 * @param limit the most calls in flight, at least 1
	 * @param fn the async function
	 * @param <T> the item type
	 * @param <R> the result type
	 * @return the results in input order; an empty list at once for no item
	 * @throws NullPointerException if {@code items} or {@code fn} is {@code null}
	 * @throws IllegalArgumentException if {@code limit} is below 1
	 */
	public <T, R> CompletableFuture<List<R>> boundedMap(Collection<? extends T> items, int limit,
			AsyncFunction<? super T, ? extends R> fn) {
		return enrol(BoundedMapFuture.map(items, limit, fn));
	}

	/**
	 * {@link #boundedMap} with {@code return_exceptions=True}: every item runs (still at
	 * most {@code limit} at once); one {@link Outcome} per item, in order.
	 * @param items the items
	 * @param limit the most calls in flight, at least 1
	 * @param fn the async function
	 * @param <T> the item type
	 * @param <R> the result type
	 * @return the outcomes in input order
	 * @throws NullPointerException if {@code items} or {@code fn} is {@code null}
	 * @throws IllegalArgumentException if {@code limit} is below 1
	 */
	public <T, R> CompletableFuture<List<Outcome<R>>> boundedMapSettled(Collection<? extends T> items, int limit,
			AsyncFunction<? super T, ? extends R> fn) {
		return enrol(BoundedMapFuture.settled(items, limit, fn));
	}

	/**
	 * lionherd-core's {@code CompletionStream}: calls the bodies at most {@code limit} at
	 * once (the first {@code limit} now, each of the others when a running body
	 * completes) and yields their results in completion order, each with its position in
	 * {@code bodies}. Fail-fast: a body's failure (also one it throws, or a {@code null}
	 * stage it returns) fails the {@link CompletionStream#next()} that would have yielded
	 * it with its own exception and closes the stream. {@link CompletionStream#close()}
	 * cancels the running bodies' stages and starts no other. Bodies started after this
	 * call run in the caller's context as it is now (as {@code retry} attempts do); all
	 * run in the caller's deadline scope, whose deadline closes the stream.
	 *
	 * <pre>{@code
	 * try (CompletionStream<Page> pages = async.completionStream(fetches, 5)) {
	 *     pages.stream().forEach((page) -> render(page.index(), page.value()));   // on a virtual thread
	 * }
	 * }</pre>
	 * @param bodies the bodies, each called once at most
	 * @param limit the most bodies running at once, at least 1
	 * @param <T> the result type
	 * @return the stream, already started
	 * @throws NullPointerException if {@code bodies} is or holds {@code null}
	 * @throws IllegalArgumentException if {@code limit} is below 1
	 */
	public <T> CompletionStream<T> completionStream(Collection<? extends AsyncCallable<? extends T>> bodies,
			int limit) {
		return BoundedCompletionStream.start(bodies, limit, false, this.contextCapture);
	}

	/**
	 * {@link #completionStream} that never fails because a body did: every body runs
	 * (still at most {@code limit} at once) and yields an {@link Outcome}, in completion
	 * order.
	 * @param bodies the bodies, each called once at most
	 * @param limit the most bodies running at once, at least 1
	 * @param <T> the result type
	 * @return the stream, already started
	 * @throws NullPointerException if {@code bodies} is or holds {@code null}
	 * @throws IllegalArgumentException if {@code limit} is below 1
	 */
	public <T> CompletionStream<Outcome<T>> completionStreamSettled(
			Collection<? extends AsyncCallable<? extends T>> bodies, int limit) {
		return BoundedCompletionStream.start(bodies, limit, true, this.contextCapture);
	}

	/**
	 * lionherd-core's deadline-aware {@code retry}: calls {@code body}; after a failure
	 * that {@code policy} retries, waits on the timer (holding no thread)
	 * {@link RetryPolicy#backoff} before the next attempt, up to
	 * {@link RetryPolicy#maxAttempts()} attempts, then fails with the last failure. Never
	 * waits past {@link #effectiveDeadline()}: if the next wait would end after it, fails
	 * at once with the last failure. Cancelling the result cancels the attempt or wait in
	 * flight; no attempt starts after.
	 *
	 * <pre>{@code
	 * async.retry(() -> client.fetch(id), RetryPolicy.builder().maxAttempts(5).build());
	 * }</pre>
	 * @param body one attempt
	 * @param policy how to retry
	 * @param <T> the result type
	 * @return the first successful attempt's result
	 * @throws NullPointerException if an argument is {@code null}
	 */
	public <T> CompletableFuture<T> retry(AsyncCallable<T> body, RetryPolicy policy) {
		return startRetry(null, body, policy);
	}

	/**
	 * A named {@link #retry(AsyncCallable, RetryPolicy)}: how it ends is recorded by the
	 * {@link Builder#retryRecorder retry recorder} ({@code lionherd.retry.calls}).
	 * @param name the retry's name, one of a small fixed set (it becomes a metric tag)
	 * @param body one attempt
	 * @param policy how to retry
	 * @param <T> the result type
	 * @return the first successful attempt's result
	 * @throws NullPointerException if an argument is {@code null}
	 */
	public <T> CompletableFuture<T> retry(String name, AsyncCallable<T> body, RetryPolicy policy) {
		return startRetry(Checks.notNull(name, "name"), body, policy);
	}

	/**
	 * {@link #retry(String, AsyncCallable, RetryPolicy)} for a blocking call made on the
	 * caller's own thread (what {@code @Retry} does for a method that does not return a
	 * {@link CompletionStage}): the retry decides when each attempt starts (backoff,
	 * {@link #effectiveDeadline()}, {@code lionherd.retry.calls}), and every attempt runs
	 * here, on the calling thread, which waits in between holding its own context (its
	 * transaction, security context, request). If this thread is interrupted while it
	 * waits, no attempt starts after and the last attempt's failure is thrown, the
	 * interrupt kept; an attempt that fails leaving the thread interrupted is not
	 * retried. <pre>{@code
	 * Order order = async.retryBlocking("orders", () -> repository.load(id), policy);
	 * }</pre>
	 * @param name the retry's name, one of a small fixed set (it becomes a metric tag)
	 * @param body one attempt, called on this thread
	 * @param policy how to retry
	 * @param <T> the result type
	 * @return the first successful attempt's result
	 * @throws Exception the last attempt's own exception, as {@code body} threw it
	 * @throws NullPointerException if an argument is {@code null}
	 */
	public <T> T retryBlocking(String name, Callable<T> body, RetryPolicy policy) throws Exception {
		Checks.notNull(name, "name");
		Checks.notNull(body, "body");
		Checks.notNull(policy, "policy");
		return CallerRunsRetry.call(body, (attempts) -> startRetry(name, attempts, policy));
	}

	/**
	 * An unnamed {@link #retryBlocking(String, Callable, RetryPolicy)}: not recorded.
	 * @param body one attempt, called on this thread
	 * @param policy how to retry
	 * @param <T> the result type
	 * @return the first successful attempt's result
	 * @throws Exception the last attempt's own exception, as {@code body} threw it
	 * @throws NullPointerException if an argument is {@code null}
	 */
	public <T> T retryBlocking(Callable<T> body, RetryPolicy policy) throws Exception {
		Checks.notNull(body, "body");
		Checks.notNull(policy, "policy");
		return CallerRunsRetry.call(body, (attempts) -> startRetry(null, attempts, policy));
	}

	/**
	 * {@link #retry(String, AsyncCallable, RetryPolicy)} of an async call whose every
	 * attempt starts on the calling thread, which waits until the retry has ended (what
	 * {@code @Retry} does for a Spring {@code @Async} method, which runs on a thread of
	 * the async executor): as {@link #retryBlocking(String, Callable, RetryPolicy)}, with
	 * each attempt's stage awaited without blocking an attempt's thread.
	 * @param name the retry's name, one of a small fixed set (it becomes a metric tag)
	 * @param body one attempt, called on this thread
	 * @param policy how to retry
	 * @param <T> the result type
	 * @return the retry's future, already complete; cancelled if this thread was
	 * interrupted while waiting (no attempt starts after, the interrupt is kept)
	 * @throws NullPointerException if an argument is {@code null}
	 */
	public <T> CompletableFuture<T> awaitRetry(String name, AsyncCallable<T> body, RetryPolicy policy) {
		Checks.notNull(name, "name");
		Checks.notNull(body, "body");
		Checks.notNull(policy, "policy");
		return CallerRunsRetry.await(body, (attempts) -> startRetry(name, attempts, policy));
	}

	@SuppressWarnings("unchecked")
	private <T> CompletableFuture<T> startRetry(@Nullable String name, AsyncCallable<T> body, RetryPolicy policy) {
		Checks.notNull(body, "body");
		Checks.notNull(policy, "policy");
		// The first attempt runs on the caller's thread, so in its scope already.
		CompletionStage<T> first;
		try {
			first = Checks.notNull(body.call(), "stage returned by body");
		}
		catch (Throwable ex) {
			first = CompletableFuture.failedFuture(ex);
		}
		if (Stages.isCompletedNormally(first)) {
			// Fast path: success at the first attempt, nothing to hold.
			if (name != null) {
				Guard.run(() -> this.retryRecorder.record(name, RetryRecorder.Kind.SUCCESSFUL_WITHOUT_RETRY),
						"retry recorder", name);
			}
			// A plain CompletableFuture, already complete, can be handed back as it is.
			return (first.getClass() == CompletableFuture.class) ? (CompletableFuture<T>) first
					: CompletableFuture.completedFuture(Stages.valueOf(first));
		}
		WorkScope scope = WorkScope.current();
		Long deadline = (scope instanceof DeadlineScope deadlineScope) ? deadlineScope.deadline() : null;
		RetryFuture<T> retry = new RetryFuture<>(body, policy, scope, deadline, this.ticker, this::sleepNanos, name,
				this.retryRecorder, this.contextCapture.capture());
		retry.start(first);
		return enrol(retry);
	}

	/**
	 * Runs {@code body} in a deadline scope deferred on the thread's frame: its object is
	 * made only if {@code body} asks for the current scope (to start work, read the
	 * deadline or open a nested scope) or its stage is not complete normally.
	 */
	@SuppressWarnings("unchecked")
	private <T, R> CompletableFuture<R> scope(long now, long nanos, double absolute, int kind, AsyncCallable<T> body) {
		// Far enough for any timer, near enough that now + nanos cannot overflow.
		long own = now + Math.min(nanos, Long.MAX_VALUE / 4);
		int flags = (nanos == 0) ? kind | DeadlineScope.EXPIRED : kind;
		WorkScope.Frame frame = WorkScope.frame();
		WorkScope previous = frame.defer(this.scopes);
		frame.deadline = own;
		frame.nanos = nanos;
		frame.absolute = absolute;
		frame.flags = flags;
		CompletionStage<T> stage;
		WorkScope made;
		try {
			stage = Checks.notNull(body.call(), "stage returned by body");
		}
		catch (Throwable ex) {
			stage = CompletableFuture.failedFuture(ex);
		}
		finally {
			made = frame.close(previous);
		}
		DeadlineScope scope;
		if (made instanceof DeadlineScope opened) {
			scope = opened;
		}
		else {
			if (Stages.isCompletedNormally(stage)) {
				// No work started and the answer is
				// here: no scope, timer entry or result.
				return answerAtOnce(stage, (flags & DeadlineScope.MOVE_ON) != 0);
			}
			scope = this.scopes.open((previous != null) ? previous.live() : null, own, flags, nanos, absolute);
		}
		scope.watch(stage);
		return scope.result();
	}

	@SuppressWarnings("unchecked")
	private static <R> CompletableFuture<R> answerAtOnce(CompletionStage<?> stage, boolean moveOn) {
		if (moveOn) {
			return (CompletableFuture<R>) CompletableFuture.completedFuture(Optional.ofNullable(Stages.valueOf(stage)));
		}
		// A plain CompletableFuture, already complete, can be handed back as it is.
		return (stage.getClass() == CompletableFuture.class) ? (CompletableFuture<R>) stage
				: (CompletableFuture<R>) CompletableFuture.completedFuture(Stages.valueOf(stage));
	}

	private static void checkDeadline(double deadline) {
		if (Double.isNaN(deadline)) {
			throw new IllegalArgumentException("deadline must be a number of seconds, but was NaN");
		}
	}

	private long nanosUntil(double deadline, long now) {
		double seconds = deadline - (this.originSeconds + (now - this.origin) / 1e9);
		if (seconds <= 0) {
			return 0;
		}
		// Rounded up: a deadline is never earlier than asked.
		double nanos = Math.ceil(seconds * 1e9);
		return (nanos >= Long.MAX_VALUE) ? Long.MAX_VALUE : (long) nanos;
	}

	/** Enrols a fan-out's future in the caller's scope, so the deadline cancels it. */
	private static <F extends CompletableFuture<?>> F enrol(F future) {
		WorkScope scope = WorkScope.current();
		if (scope != null && !future.isDone()) {
			scope.register(future);
		}
		return future;
	}

	/** The caller's context plus its deadline scope, for a {@code runSync} worker. */
	private static ContextCapture.Snapshot withScope(ContextCapture.Snapshot context, WorkScope scope) {
		return () -> {
			ContextCapture.Scope restored = context.restore();
			WorkScope previous = WorkScope.install(scope);
			return () -> {
				WorkScope.restore(previous);
				restored.close();
			};
		};
	}

	/**
	 * Builds an {@link AsyncUtils}; only the executor is required.
	 */
	public static final class Builder {

		private @Nullable Executor executor;

		private Ticker ticker = Ticker.system();

		private DelayScheduler scheduler = DelayScheduler.shared();

		private Executor wakeUpExecutor = WakeUpExecutor.shared();

		private UnaryOperator<@Nullable Object> targetResolver = (candidate) -> null;

		private boolean propagateContext = true;

		private MonitorRecorder monitorRecorder = MonitorRecorder.none();

		private @Nullable ExecutorListener executorListener;

		private RetryRecorder retryRecorder = RetryRecorder.none();

		private Builder() {
		}

		/**
		 * Where {@code runSync} runs blocking tasks. Timer wake-ups complete on the
		 * {@link #wakeUpExecutor(Executor) wake-up executor} instead, so that they never
		 * wait behind blocking work.
		 * @param executor the executor
		 * @return this builder
		 */
		public Builder executor(Executor executor) {
			this.executor = Checks.notNull(executor, "executor");
			return this;
		}

		/**
		 * The monotonic clock: {@link Ticker#system()} unless a test drives time.
		 * @param ticker the clock
		 * @return this builder
		 */
		public Builder ticker(Ticker ticker) {
			this.ticker = Checks.notNull(ticker, "ticker");
			return this;
		}

		/**
		 * The timer for {@code sleep} and rate-limiter wake-ups:
		 * {@link DelayScheduler#shared()} unless a test drives time.
		 * @param scheduler the timer
		 * @return this builder
		 */
		public Builder scheduler(DelayScheduler scheduler) {
			this.scheduler = Checks.notNull(scheduler, "scheduler");
			return this;
		}

		/**
		 * Where timer wake-ups complete sleeps and rate-limiter waits, and so where their
		 * continuations run. By default never the {@code runSync} executor, so a wake-up
		 * never waits behind blocking work: a virtual thread per wake-up on Java 21+ (a
		 * blocking continuation delays no other), a small shared daemon pool before.
		 * @param wakeUpExecutor the executor
		 * @return this builder
		 */
		public Builder wakeUpExecutor(Executor wakeUpExecutor) {
			this.wakeUpExecutor = Checks.notNull(wakeUpExecutor, "wakeUpExecutor");
			return this;
		}

		/**
		 * How {@code isAsync} finds the target of a framework proxy (the Spring Boot
		 * starter passes Spring AOP's {@code AopProxyUtils::getSingletonTarget}).
		 * @param targetResolver returns the proxy's target, or {@code null} if it has
		 * none
		 * @return this builder
		 */
		public Builder targetResolver(UnaryOperator<@Nullable Object> targetResolver) {
			this.targetResolver = Checks.notNull(targetResolver, "targetResolver");
			return this;
		}

		/**
		 * Whether {@code runSync} tasks, later {@code retry} attempts and
		 * {@link #withCurrentContext} carry the caller's MDC, Micrometer context and
		 * context class loader (default {@code true}).
		 * @param propagateContext whether to propagate
		 * @return this builder
		 */
		public Builder propagateContext(boolean propagateContext) {
			this.propagateContext = propagateContext;
			return this;
		}

		/**
		 * Where monitored calls are recorded: nowhere by default;
		 * {@code io.lionherd.concurrency.micrometer.MicrometerMonitorRecorder} records
		 * {@code lionherd.monitor} timers.
		 * @param monitorRecorder the recorder
		 * @return this builder
		 */
		public Builder monitorRecorder(MonitorRecorder monitorRecorder) {
			this.monitorRecorder = Checks.notNull(monitorRecorder, "monitorRecorder");
			return this;
		}

		/**
		 * Where {@code runSync} reports each task's wait in the executor's queue and each
		 * task the executor rejects: nowhere by default;
		 * {@code io.lionherd.concurrency.micrometer.MicrometerExecutorListener} records
		 * the {@code lionherd.executor.*} meters.
		 * @param executorListener the listener
		 * @return this builder
		 */
		public Builder executorListener(ExecutorListener executorListener) {
			this.executorListener = Checks.notNull(executorListener, "executorListener");
			return this;
		}

		/**
		 * Where named retries are recorded: nowhere by default;
		 * {@code io.lionherd.concurrency.micrometer.MicrometerRetryRecorder} counts
		 * {@code lionherd.retry.calls}.
		 * @param retryRecorder the recorder
		 * @return this builder
		 */
		public Builder retryRecorder(RetryRecorder retryRecorder) {
			this.retryRecorder = Checks.notNull(retryRecorder, "retryRecorder");
			return this;
		}

		/**
		 * Builds the instance.
		 * @return a new {@link AsyncUtils}
		 * @throws NullPointerException if no executor was given
		 */
		public AsyncUtils build() {
			return new AsyncUtils(this);
		}

	}

	/**
	 * The performance monitor for a blocking call made on the caller's own thread (what
	 * {@code @Monitored} does for a method that does not return a
	 * {@link CompletionStage}): calls {@code task} here, measures its duration and
	 * records it like {@link #monitor(String, Callable)}, type
	 * {@link ExecutionType#SYNC}.
	 * @param name the monitor name, one of a small fixed set (it becomes a metric tag)
	 * @param task the blocking work, called on this thread
	 * @param <T> the result type
	 * @return the result, elapsed time and {@link ExecutionType#SYNC}
	 * @throws Exception the task's own exception, unchanged, after it was recorded
	 */
	public <T> MonitorResult<T> monitorBlocking(String name, Callable<T> task) throws Exception {
		Checks.notNull(name, "name");
		Checks.notNull(task, "task");
		long start = this.ticker.read();
		MonitorRecorder.Monitoring monitoring = startMonitoring(name, ExecutionType.SYNC);
		T value;
		try {
			value = wrap(monitoring, name, task).call();
		}
		catch (Throwable ex) {
			stop(monitoring, name, ExecutionType.SYNC, ex, this.ticker.read() - start);
			throw ex;
		}
		return finish(name, ExecutionType.SYNC, start, monitoring, value);
	}

}
