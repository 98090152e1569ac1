package io.lionherd.concurrency.autoconfigure;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.AsyncUtilsMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * {@link AutoConfiguration Auto-configuration} for lionherd-concurrency metrics: the
 * {@code lionherd.monitor} timers and the {@code lionherd.ratelimiter.*} meters of named
 * limiters, bound to the application's registry.
 * <p>
 * The {@code executor.*} meters of {@value LionherdConcurrencyAutoConfiguration#EXECUTOR_BEAN_NAME}
 * come from Spring Boot's own executor metrics (binding them here too would count them twice);
 * this configuration only renames their {@code name} tag to {@value #EXECUTOR_METRICS_NAME}.
 */
@AutoConfiguration(after = LionherdConcurrencyAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, AsyncUtils.class })
public final class LionherdMetricsAutoConfiguration {

	/**
	 * The {@code name} tag of the executor's {@code executor.*} meters.
	 */
	public static final String EXECUTOR_METRICS_NAME = "lionherd";

	@Bean
	AsyncUtilsMetrics lionherdAsyncUtilsMetrics(AsyncUtils asyncUtils) {
		return new AsyncUtilsMetrics(asyncUtils);
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

}
