package io.lionherd.concurrency.reactor;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.UnaryOperator;

import io.lionherd.concurrency.ExecutionType;
import io.lionherd.concurrency.MonitorRecorder;
import io.lionherd.concurrency.Ticker;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.concurrency.internal.Guard;
import io.lionherd.concurrency.micrometer.ObservationMonitorRecorder;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Monitors each subscription to a {@code Mono} or {@code Flux}, as {@code monitorAsync}
 * monitors a call: <pre>{@code
 * Mono<Quote> quote = client.quote(symbol).transformDeferred(MonitorOperator.of("quotes", recorder));
 * }</pre> From the subscription to the terminal signal: {@code onComplete} is recorded as
 * a success, {@code onError} as a failure with its exception, a cancel before either as
 * {@linkplain MonitorRecorder#recordCancelled cancelled} (each subscription recorded
 * once, as {@link ExecutionType#ASYNC}). The recorder is started on the subscribing
 * thread and the upstream is subscribed inside its {@link MonitorRecorder.Monitoring#wrap
 * wrap}; a recorder that throws is logged and never fails the subscription. Signals pass
 * through unchanged. A {@code Mono} gives a {@code Mono}, any other {@link Publisher} a
 * {@code Flux}.
 *
 * @param <T> the element type
 */
public final class MonitorOperator<T> implements UnaryOperator<Publisher<T>> {

	private static final String MONITOR_RECORDER = "monitor recorder";

	private final String name;

	private final MonitorRecorder recorder;

	private final Ticker ticker;

	private MonitorOperator(String name, MonitorRecorder recorder, Ticker ticker) {
		this.name = name;
		this.recorder = recorder;
		this.ticker = ticker;
	}

	/**
	 * Records each subscription through {@code recorder}, timed on the system's monotonic
	 * clock.
	 * @param name the monitor name, one of a small fixed set (it becomes a metric tag)
	 * @param recorder where to record
	 * @param <T> the element type
	 * @return the operator
	 */
	public static <T> MonitorOperator<T> of(String name, MonitorRecorder recorder) {
		return of(name, recorder, Ticker.system());
	}

	/**
	 * Records each subscription through {@code recorder}, timed on {@code ticker}.
	 * @param name the monitor name, one of a small fixed set (it becomes a metric tag)
	 * @param recorder where to record
	 * @param ticker the clock
	 * @param <T> the element type
	 * @return the operator
	 */
	public static <T> MonitorOperator<T> of(String name, MonitorRecorder recorder, Ticker ticker) {
		return new MonitorOperator<>(Checks.notNull(name, "name"), Checks.notNull(recorder, "recorder"),
				Checks.notNull(ticker, "ticker"));
	}

	/**
	 * Records each subscription as a {@code lionherd.monitor} Micrometer observation, as
	 * {@link ObservationMonitorRecorder} records a call (key values {@code name},
	 * {@code type}, {@code outcome}, {@code exception}).
	 * @param name the monitor name, one of a small fixed set (it becomes a key value)
	 * @param registry where to observe
	 * @param <T> the element type
	 * @return the operator
	 */
	public static <T> MonitorOperator<T> of(String name, ObservationRegistry registry) {
		return of(name, new ObservationMonitorRecorder(Checks.notNull(registry, "registry")));
	}

	@Override
	public Publisher<T> apply(Publisher<T> publisher) {
		Checks.notNull(publisher, "publisher");
		if (publisher instanceof Mono<T> mono) {
			return new MonoMonitored<>(mono, this);
		}
		return new FluxMonitored<>(Flux.from(publisher), this);
	}

	/** Starts the monitoring of one subscription and subscribes upstream inside it. */
	void subscribe(Publisher<? extends T> source, CoreSubscriber<? super T> actual) {
		long start = this.ticker.read();
		MonitorRecorder.Monitoring monitoring = start();
		MonitorSubscriber<T> subscriber = new MonitorSubscriber<>(actual, monitoring, this, start);
		Subscribe<T> subscribe = new Subscribe<>(source, subscriber);
		try {
			wrap(monitoring, subscribe).call();
		}
		catch (Throwable ex) {
			if (subscribe.called) {
				throw Exceptions.propagate(ex);
			}
			// The recorder's own wrap failed before it called the task.
			Guard.failed(MONITOR_RECORDER, this.name, ex);
			source.subscribe(subscriber);
		}
	}

	/** The subscription to upstream, as the task the recorder wraps. */
	private static final class Subscribe<T> implements Callable<Void> {

		private final Publisher<? extends T> source;

		private final CoreSubscriber<T> subscriber;

		boolean called;

		Subscribe(Publisher<? extends T> source, CoreSubscriber<T> subscriber) {
			this.source = source;
			this.subscriber = subscriber;
		}

		@Override
		public @Nullable Void call() {
			this.called = true;
			this.source.subscribe(this.subscriber);
			return null;
		}

	}

	private MonitorRecorder.Monitoring start() {
		try {
			MonitorRecorder.Monitoring monitoring = this.recorder.start(this.name, ExecutionType.ASYNC);
			return (monitoring != null) ? monitoring : NoMonitoring.INSTANCE;
		}
		catch (RuntimeException | LinkageError ex) {
			Guard.failed(MONITOR_RECORDER, this.name, ex);
			return NoMonitoring.INSTANCE;
		}
	}

	private <V> Callable<V> wrap(MonitorRecorder.Monitoring monitoring, Callable<V> task) {
		try {
			Callable<V> wrapped = monitoring.wrap(task);
			return (wrapped != null) ? wrapped : task;
		}
		catch (RuntimeException | LinkageError ex) {
			Guard.failed(MONITOR_RECORDER, this.name, ex);
			return task;
		}
	}

	@Override
	public String toString() {
		return "MonitorOperator[" + this.name + "]";
	}

	private enum NoMonitoring implements MonitorRecorder.Monitoring {

		INSTANCE;

		@Override
		public void stop(@Nullable Throwable error, long nanos) {
		}

		@Override
		public void cancelled(long nanos) {
		}

	}

	private static final class MonoMonitored<T> extends MonoOperator<T, T> {

		private final MonitorOperator<T> operator;

		MonoMonitored(Mono<? extends T> source, MonitorOperator<T> operator) {
			super(source);
			this.operator = operator;
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			this.operator.subscribe(this.source, actual);
		}

	}

	private static final class FluxMonitored<T> extends FluxOperator<T, T> {

		private final MonitorOperator<T> operator;

		FluxMonitored(Flux<? extends T> source, MonitorOperator<T> operator) {
			super(source);
			this.operator = operator;
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			this.operator.subscribe(this.source, actual);
		}

	}

	/**
	 * Passes every signal through and records the first of {@code onComplete},
	 * {@code onError} and {@code cancel}.
	 */
	private static final class MonitorSubscriber<T> implements CoreSubscriber<T>, Subscription {

		@SuppressWarnings("rawtypes")
		private static final AtomicIntegerFieldUpdater<MonitorSubscriber> STOPPED = AtomicIntegerFieldUpdater
			.newUpdater(MonitorSubscriber.class, "stopped");

		private final CoreSubscriber<? super T> actual;

		private final MonitorRecorder.Monitoring monitoring;

		private final MonitorOperator<?> operator;

		private final long start;

		private @Nullable Subscription upstream;

		private volatile int stopped;

		MonitorSubscriber(CoreSubscriber<? super T> actual, MonitorRecorder.Monitoring monitoring,
				MonitorOperator<?> operator, long start) {
			this.actual = actual;
			this.monitoring = monitoring;
			this.operator = operator;
			this.start = start;
		}

		@Override
		public Context currentContext() {
			return this.actual.currentContext();
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			if (Operators.validate(this.upstream, subscription)) {
				this.upstream = subscription;
				this.actual.onSubscribe(this);
			}
		}

		@Override
		public void onNext(T value) {
			this.actual.onNext(value);
		}

		@Override
		public void onError(Throwable error) {
			stop(error);
			this.actual.onError(error);
		}

		@Override
		public void onComplete() {
			stop(null);
			this.actual.onComplete();
		}

		@Override
		public void request(long n) {
			Subscription subscription = this.upstream;
			if (subscription != null) {
				subscription.request(n);
			}
		}

		@Override
		public void cancel() {
			if (STOPPED.compareAndSet(this, 0, 1)) {
				try {
					this.monitoring.cancelled(this.operator.ticker.read() - this.start);
				}
				catch (RuntimeException | LinkageError ex) {
					Guard.failed(MONITOR_RECORDER, this.operator.name, ex);
				}
			}
			Subscription subscription = this.upstream;
			if (subscription != null) {
				subscription.cancel();
			}
		}

		private void stop(@Nullable Throwable error) {
			if (STOPPED.compareAndSet(this, 0, 1)) {
				try {
					this.monitoring.stop(error, this.operator.ticker.read() - this.start);
				}
				catch (RuntimeException | LinkageError ex) {
					Guard.failed(MONITOR_RECORDER, this.operator.name, ex);
				}
			}
		}

	}

}
