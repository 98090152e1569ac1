package io.lionherd.concurrency.autoconfigure;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.micrometer.ObservationMonitorRecorder;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link AutoConfiguration Auto-configuration} that records the monitored calls of the
 * auto-configured {@link AsyncUtils} as {@code lionherd.monitor} Micrometer
 * {@code Observation}s when the application has an {@link ObservationRegistry} (Spring
 * Boot Actuator provides one): Boot's meter handler makes them the
 * {@code lionherd.monitor} timer, with the same tags, and a tracing bridge makes them
 * spans. It takes the place of {@link LionherdMetricsAutoConfiguration}'s direct timer
 * recording, so each call is timed once.
 */
@AutoConfiguration(after = LionherdConcurrencyAutoConfiguration.class, before = LionherdMetricsAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean({ ObservationRegistry.class, AsyncUtils.class })
@ConditionalOnBooleanProperty(name = LionherdConcurrencyProperties.PREFIX + ".monitor.enabled", matchIfMissing = true)
public final class LionherdObservationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ObservationMonitorRecorder lionherdObservationMonitorRecorder(ObservationRegistry observationRegistry,
			LionherdConcurrencyProperties properties) {
		return new ObservationMonitorRecorder(observationRegistry, properties.getMonitor().getMaxNames());
	}

	@Bean
	AsyncUtilsBuilderCustomizer lionherdObservationMonitorRecorderCustomizer(
			ObservationMonitorRecorder monitorRecorder) {
		return (builder) -> builder.monitorRecorder(monitorRecorder);
	}

}
