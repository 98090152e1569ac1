package io.lionherd.concurrency.micrometer;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.lionherd.concurrency.RetryRecorder;
import io.lionherd.concurrency.internal.Checks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts named retries as {@code lionherd.retry.calls}, tagged {@code name} and
 * {@code kind} ({@code successful_without_retry}, {@code successful_with_retry},
 * {@code failed_with_retry}, {@code failed_without_retry}: Resilience4j's kinds, so
 * dashboards built for {@code resilience4j.retry.calls} carry over). Give it to
 * {@code AsyncUtils.Builder#retryRecorder}.
 */
public final class MicrometerRetryRecorder implements RetryRecorder {

	static final String METER_NAME = "lionherd.retry.calls";

	private final MeterRegistry registry;

	private final ConcurrentMap<String, Map<Kind, Counter>> countersByName = new ConcurrentHashMap<>();

	/**
	 * A recorder registering its counters in {@code registry}.
	 * @param registry where the counters go
	 */
	public MicrometerRetryRecorder(MeterRegistry registry) {
		this.registry = Checks.notNull(registry, "registry");
	}

	@Override
	public void record(String name, Kind kind) {
		this.countersByName.computeIfAbsent(name, this::counters).get(kind).increment();
	}

	private Map<Kind, Counter> counters(String name) {
		Map<Kind, Counter> counters = new EnumMap<>(Kind.class);
		for (Kind kind : Kind.values()) {
			counters.put(kind,
					Counter.builder(METER_NAME)
						.description("Retried calls by how they ended")
						.tag("name", name)
						.tag("kind", kind.tagValue())
						.register(this.registry));
		}
		return counters;
	}

}
