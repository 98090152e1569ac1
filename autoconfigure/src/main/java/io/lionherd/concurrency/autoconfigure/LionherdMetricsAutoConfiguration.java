package io.lionherd.concurrency.autoconfigure;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.micrometer.ConcurrencyLimitMetrics;
import io.lionherd.concurrency.micrometer.MicrometerExecutorListener;
import io.lionherd.concurrency.micrometer.MicrometerMonitorRecorder;
import io.lionherd.concurrency.micrometer.MicrometerRetryRecorder;
import io.lionherd.concurrency.micrometer.ObservationMonitorRecorder;
import io.lionherd.concurrency.micrometer.RateLimiterMetrics;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@link AutoConfiguration Auto-configuration} for lionherd-concurrency metrics: the
 * {@code lionherd.monitor} timers of the auto-configured {@link AsyncUtils} (recorded
 * directly unless {@link LionherdObservationAutoConfiguration} records them as
 * observations), its {@code lionherd.executor.queue.wait} and
 * {@code lionherd.executor.rejected} meters, its {@code lionherd.retry.calls} counters
 * (named retries, {@code @Retry} included), and the {@code lionherd.ratelimiter.*} meters
 * of the {@link RateLimiterRegistry}'s limiters, tagged by name alone: the limiters of
 * client keys count in their name's meters, with {@code lionherd.ratelimiter.keys} and
 * {@code lionherd.ratelimiter.keys.refused} for the keys themselves; and the
 * {@code lionherd.capacity.*} meters of the {@link ConcurrencyLimitRegistry}'s limits,
 * tagged {@code name}.
 * <p>
 * The {@code executor.*} meters of
 * {@value LionherdConcurrencyAutoConfiguration#EXECUTOR_BEAN_NAME} come from Spring
 * Boot's own executor metrics (binding them here too would count them twice); this
 * configuration only renames their {@code name} tag to {@value #EXECUTOR_METRICS_NAME}.
 */
@AutoConfiguration(after = LionherdConcurrencyAutoConfiguration.class, afterName = {
		"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
public final class LionherdMetricsAutoConfiguration {

	/**
	 * The {@code name} tag of the executor's {@code executor.*} meters.
	 */
	public static final String EXECUTOR_METRICS_NAME = "lionherd";

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(RateLimiterRegistry.class)
	RateLimiterMetrics lionherdRateLimiterMetrics(RateLimiterRegistry rateLimiterRegistry) {
		return new RateLimiterMetrics(rateLimiterRegistry);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(ConcurrencyLimitRegistry.class)
	ConcurrencyLimitMetrics lionherdConcurrencyLimitMetrics(ConcurrencyLimitRegistry concurrencyLimitRegistry) {
		return new ConcurrencyLimitMetrics(concurrencyLimitRegistry);
	}

	@Bean
	MeterFilter lionherdExecutorMetricsNameFilter() {
		Tag name = Tag.of("name", EXECUTOR_METRICS_NAME);
		return new MeterFilter() {
			@Override
			public Meter.Id map(Meter.Id id) {
				boolean ours = id.getName().startsWith("executor")
						&& LionherdConcurrencyAutoConfiguration.EXECUTOR_BEAN_NAME.equals(id.getTag("name"));
				return ours ? id.withTag(name) : id;
			}
		};
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean(AsyncUtils.class)
	@ConditionalOnBooleanProperty(name = LionherdConcurrencyProperties.PREFIX + ".monitor.enabled",
			matchIfMissing = true)
	@ConditionalOnMissingBean(ObservationMonitorRecorder.class)
	static class MonitorMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		MicrometerMonitorRecorder lionherdMonitorRecorder(MeterRegistry meterRegistry,
				LionherdConcurrencyProperties properties) {
			return new MicrometerMonitorRecorder(meterRegistry, properties.getMonitor().getMaxNames());
		}

		@Bean
		AsyncUtilsBuilderCustomizer lionherdMonitorRecorderCustomizer(MicrometerMonitorRecorder monitorRecorder) {
			return (builder) -> builder.monitorRecorder(monitorRecorder);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean(AsyncUtils.class)
	static class ExecutorMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		MicrometerExecutorListener lionherdExecutorListener(MeterRegistry meterRegistry) {
			return new MicrometerExecutorListener(meterRegistry, EXECUTOR_METRICS_NAME);
		}

		@Bean
		AsyncUtilsBuilderCustomizer lionherdExecutorListenerCustomizer(MicrometerExecutorListener executorListener) {
			return (builder) -> builder.executorListener(executorListener);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean(AsyncUtils.class)
	static class RetryMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		MicrometerRetryRecorder lionherdRetryRecorder(MeterRegistry meterRegistry) {
			return new MicrometerRetryRecorder(meterRegistry);
		}

		@Bean
		AsyncUtilsBuilderCustomizer lionherdRetryRecorderCustomizer(MicrometerRetryRecorder retryRecorder) {
			return (builder) -> builder.retryRecorder(retryRecorder);
		}

	}

}
