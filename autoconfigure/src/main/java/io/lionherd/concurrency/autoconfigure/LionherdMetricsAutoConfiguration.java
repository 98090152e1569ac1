package io.lionherd.concurrency.autoconfigure;

import java.util.List;

import io.lionherd.concurrency.AsyncUtils;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * {@link AutoConfiguration Auto-configuration} for lionherd-concurrency metrics: the
 * {@code lionherd.monitor} timers, the {@code lionherd.ratelimiter.*} meters of named limiters,
 * and the {@code executor.*} meters of {@value LionherdConcurrencyAutoConfiguration#EXECUTOR_BEAN_NAME}
 * tagged {@code name=lionherd}.
 * <p>
 * Spring Boot's own executor metrics skip that executor, because it is not a default autowire
 * candidate, so binding it here does not bind it twice.
 */
@AutoConfiguration(after = LionherdConcurrencyAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.task.TaskExecutorMetricsAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, AsyncUtils.class })
public final class LionherdMetricsAutoConfiguration {

	static final String EXECUTOR_METRICS_NAME = "lionherd";

	@Bean
	MeterBinder lionherdAsyncUtilsMetrics(AsyncUtils asyncUtils) {
		return asyncUtils::bindTo;
	}

	@Bean
	MeterBinder lionherdTaskExecutorMetrics(BeanFactory beanFactory) {
		return (registry) -> {
			if (beanFactory.containsBean(LionherdConcurrencyAutoConfiguration.EXECUTOR_BEAN_NAME)
					&& beanFactory.getBean(LionherdConcurrencyAutoConfiguration.EXECUTOR_BEAN_NAME)
						instanceof ThreadPoolTaskExecutor executor) {
				new ExecutorServiceMetrics(executor.getThreadPoolExecutor(), EXECUTOR_METRICS_NAME, List.of())
					.bindTo(registry);
			}
		};
	}

}
