package io.lionherd.concurrency.micrometer;

import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

import io.lionherd.concurrency.ExecutionType;
import io.lionherd.concurrency.MonitorRecorder;
import io.lionherd.concurrency.internal.Checks;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records each monitored call as a Micrometer {@link Observation} named
 * {@code lionherd.monitor}, started before the call and stopped when it completes, with
 * the low-cardinality key values {@code name}, {@code type}, {@code outcome}
 * ({@code success}, {@code error}, or {@code cancelled} for a subscription cancelled
 * before its terminal signal) and {@code exception} (the tags of
 * {@link MicrometerMonitorRecorder}'s timer). The registry's handlers decide what it
 * becomes: Micrometer's {@code DefaultMeterObservationHandler} (which Spring Boot
 * registers) records the {@code lionherd.monitor} timer, and a tracing bridge a span per
 * call. Use it instead of {@link MicrometerMonitorRecorder}, not beside it, or each call
 * is timed twice.
 * <p>
 * The call is the current observation while its work runs: in the {@code runSync} task of
 * the blocking path, and while the async path's task returns its stage, so observations
 * started there are its children. Beyond {@code maxNames} distinct names, further names
 * are recorded as {@code name=other}.
 */
public final class ObservationMonitorRecorder implements MonitorRecorder {

	static final String OBSERVATION_NAME = MicrometerMonitorRecorder.METER_NAME;

	private static final Logger logger = LoggerFactory.getLogger(ObservationMonitorRecorder.class);

	private final ObservationRegistry registry;

	private final int maxNames;

	private final Set<String> names = ConcurrentHashMap.newKeySet();

	/** Guarded by {@code this}. */
	private boolean overflowWarned;

	/**
	 * A recorder of at most {@value MicrometerMonitorRecorder#DEFAULT_MAX_NAMES} distinct
	 * names.
	 * @param registry where to observe
	 */
	public ObservationMonitorRecorder(ObservationRegistry registry) {
		this(registry, MicrometerMonitorRecorder.DEFAULT_MAX_NAMES);
	}

	/**
	 * @param registry where to observe
	 * @param maxNames the most distinct names observed with their own key value, at least
	 * 1; further names are observed as {@code name=other}
	 */
	public ObservationMonitorRecorder(ObservationRegistry registry, int maxNames) {
		this.registry = Checks.notNull(registry, "registry");
		this.maxNames = Checks.positive(maxNames, "maxNames");
	}

	@Override
	public Monitoring start(String name, ExecutionType type) {
		String tagName = admit(name);
		Observation observation = Observation.createNotStarted(OBSERVATION_NAME, this.registry)
			.contextualName(tagName)
			.lowCardinalityKeyValue("name", tagName)
			.lowCardinalityKeyValue("type", type.tagValue())
			.start();
		return new ObservationMonitoring(observation);
	}

	/**
	 * Records a call that was measured without {@link #start}: an observation started and
	 * stopped now, so its own duration (and its timer's) is about zero, not
	 * {@code nanos}. {@code AsyncUtils} always starts its calls.
	 */
	@Override
	public void record(String name, ExecutionType type, @Nullable Throwable error, long nanos) {
		start(name, type).stop(error, nanos);
	}

	private String admit(String name) {
		if (this.names.contains(name)) {
			return name;
		}
		return admitNew(name);
	}

	/**
	 * First use of a name: rare, so a lock keeps the name count exact under contention.
	 */
	private synchronized String admitNew(String name) {
		if (this.names.contains(name)) {
			return name;
		}
		if (this.names.size() >= this.maxNames) {
			if (!this.overflowWarned) {
				this.overflowWarned = true;
				logger.warn(
						"More than {} distinct monitor names; '{}' and further new names are observed as "
								+ "name={} (raise lionherd.concurrency.monitor.max-names if they are a fixed set)",
						this.maxNames, name, MicrometerMonitorRecorder.OVERFLOW_NAME);
			}
			return MicrometerMonitorRecorder.OVERFLOW_NAME;
		}
		this.names.add(name);
		return name;
	}

	private record ObservationMonitoring(Observation observation) implements Monitoring {

		@Override
		public <T> Callable<T> wrap(Callable<T> task) {
			return () -> {
				try (Observation.Scope scope = this.observation.openScope()) {
					return task.call();
				}
			};
		}

		@Override
		public void stop(@Nullable Throwable error, long nanos) {
			if (error != null) {
				this.observation.error(error);
			}
			this.observation.lowCardinalityKeyValue("outcome", (error != null) ? "error" : "success")
				.lowCardinalityKeyValue("exception", (error != null) ? exceptionTag(error.getClass()) : "none")
				.stop();
		}

		@Override
		public void cancelled(long nanos) {
			this.observation.lowCardinalityKeyValue("outcome", "cancelled")
				.lowCardinalityKeyValue("exception", "none")
				.stop();
		}

		private static String exceptionTag(Class<?> errorType) {
			String simpleName = errorType.getSimpleName();
			return simpleName.isEmpty() ? errorType.getName() : simpleName;
		}

	}

}
