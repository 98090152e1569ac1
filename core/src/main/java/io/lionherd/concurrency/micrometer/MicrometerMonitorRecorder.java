package io.lionherd.concurrency.micrometer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.lionherd.concurrency.ExecutionType;
import io.lionherd.concurrency.MonitorRecorder;
import io.lionherd.concurrency.internal.Checks;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records monitored calls as the {@code lionherd.monitor} timer. Timers are looked up
 * once per name, type, outcome and exception class, then cached: the hot path is two map
 * reads and {@code Timer.record}. Beyond {@code maxNames} distinct names, further names
 * are recorded as {@code name=other} so tag cardinality stays bounded.
 */
public final class MicrometerMonitorRecorder implements MonitorRecorder {

	static final String METER_NAME = "lionherd.monitor";

	static final String OVERFLOW_NAME = "other";

	/** The default of {@code maxNames}. */
	public static final int DEFAULT_MAX_NAMES = 100;

	private static final Logger logger = LoggerFactory.getLogger(MicrometerMonitorRecorder.class);

	private final MeterRegistry registry;

	private final int maxNames;

	private final ConcurrentMap<String, NameTimers> timersByName = new ConcurrentHashMap<>();

	private final NameTimers overflow;

	/** Guarded by {@code this}. */
	private boolean overflowWarned;

	/**
	 * A recorder of at most {@value #DEFAULT_MAX_NAMES} distinct names.
	 * @param registry where to record
	 */
	public MicrometerMonitorRecorder(MeterRegistry registry) {
		this(registry, DEFAULT_MAX_NAMES);
	}

	/**
	 * @param registry where to record
	 * @param maxNames the most distinct names recorded with their own tag, at least 1;
	 * further names are recorded as {@code name=other}
	 */
	public MicrometerMonitorRecorder(MeterRegistry registry, int maxNames) {
		this.registry = Checks.notNull(registry, "registry");
		this.maxNames = Checks.positive(maxNames, "maxNames");
		this.overflow = new NameTimers(OVERFLOW_NAME);
	}

	@Override
	public void record(String name, ExecutionType type, @Nullable Throwable error, long nanos) {
		NameTimers timers = this.timersByName.get(name);
		if (timers == null) {
			timers = timersFor(name);
		}
		timers.timer(type, error).record(nanos, TimeUnit.NANOSECONDS);
	}

	/**
	 * Records a call cancelled before it completed with {@code outcome=cancelled} and
	 * {@code exception=none}.
	 */
	@Override
	public void recordCancelled(String name, ExecutionType type, long nanos) {
		NameTimers timers = this.timersByName.get(name);
		if (timers == null) {
			timers = timersFor(name);
		}
		timers.cancelled(type).record(nanos, TimeUnit.NANOSECONDS);
	}

	/**
	 * First use of a name: rare, so a lock keeps the name count exact under contention.
	 */
	private synchronized NameTimers timersFor(String name) {
		NameTimers existing = this.timersByName.get(name);
		if (existing != null) {
			return existing;
		}
		if (this.timersByName.size() >= this.maxNames) {
			if (!this.overflowWarned) {
				this.overflowWarned = true;
				logger.warn(
						"More than {} distinct monitor names; '{}' and further new names are recorded as "
								+ "name={} (raise lionherd.concurrency.monitor.max-names if they are a fixed set)",
						this.maxNames, name, OVERFLOW_NAME);
			}
			return this.overflow;
		}
		NameTimers timers = new NameTimers(name);
		this.timersByName.put(name, timers);
		return timers;
	}

	/**
	 * The timers of one monitor name, per type and per exception class (none on success).
	 */
	private final class NameTimers {

		/** Stands for "no exception" in the per-class caches. */
		private static final Class<?> SUCCESS = Void.class;

		private final String name;

		private final ConcurrentMap<Class<?>, Timer>[] byType;

		/**
		 * The success timer per type once registered: the common case without a second
		 * map look-up.
		 */
		private final AtomicReferenceArray<Timer> successByType = new AtomicReferenceArray<>(
				ExecutionType.values().length);

		/** The cancelled timer per type once registered. */
		private final AtomicReferenceArray<Timer> cancelledByType = new AtomicReferenceArray<>(
				ExecutionType.values().length);

		@SuppressWarnings("unchecked")
		NameTimers(String name) {
			this.name = name;
			this.byType = new ConcurrentMap[ExecutionType.values().length];
			for (ExecutionType type : ExecutionType.values()) {
				this.byType[type.ordinal()] = new ConcurrentHashMap<>();
			}
		}

		Timer timer(ExecutionType type, @Nullable Throwable error) {
			if (error == null) {
				Timer success = this.successByType.get(type.ordinal());
				if (success != null) {
					return success;
				}
			}
			ConcurrentMap<Class<?>, Timer> timers = this.byType[type.ordinal()];
			Class<?> key = (error != null) ? error.getClass() : SUCCESS;
			Timer timer = timers.get(key);
			if (timer == null) {
				timer = timers.computeIfAbsent(key, (errorType) -> register(type, errorType));
			}
			if (error == null) {
				this.successByType.set(type.ordinal(), timer);
			}
			return timer;
		}

		Timer cancelled(ExecutionType type) {
			Timer cancelled = this.cancelledByType.get(type.ordinal());
			if (cancelled == null) {
				// Registering twice in a race answers the same timer.
				cancelled = register(type, "cancelled", "none");
				this.cancelledByType.set(type.ordinal(), cancelled);
			}
			return cancelled;
		}

		private Timer register(ExecutionType type, Class<?> errorType) {
			boolean success = errorType == SUCCESS;
			return register(type, success ? "success" : "error", success ? "none" : exceptionTag(errorType));
		}

		private Timer register(ExecutionType type, String outcome, String exception) {
			return Timer.builder(METER_NAME)
				.description("Time from the call of a monitored task to its completion")
				.tag("name", this.name)
				.tag("type", type.tagValue())
				.tag("outcome", outcome)
				.tag("exception", exception)
				.register(MicrometerMonitorRecorder.this.registry);
		}

		private static String exceptionTag(Class<?> errorType) {
			String simpleName = errorType.getSimpleName();
			return simpleName.isEmpty() ? errorType.getName() : simpleName;
		}

	}

}
