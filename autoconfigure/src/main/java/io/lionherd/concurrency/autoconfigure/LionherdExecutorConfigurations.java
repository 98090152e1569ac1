package io.lionherd.concurrency.autoconfigure;

import java.time.Duration;
import java.util.List;

import io.lionherd.concurrency.AsyncUtils;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.task.SimpleAsyncTaskExecutorBuilder;
import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.CompositeTaskDecorator;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * The executor behind the auto-configured {@link AsyncUtils}, imported by
 * {@link LionherdConcurrencyAutoConfiguration}: a thread pool, or virtual threads. Not
 * created when the application brings its own {@code AsyncUtils} or names an executor
 * bean to use.
 */
final class LionherdExecutorConfigurations {

	private static final String PREFIX = LionherdConcurrencyProperties.PREFIX + ".executor";

	private LionherdExecutorConfigurations() {
	}

	private static @Nullable TaskDecorator taskDecorator(ObjectProvider<TaskDecorator> taskDecorators) {
		List<TaskDecorator> decorators = taskDecorators.orderedStream().toList();
		if (decorators.size() == 1) {
			return decorators.get(0);
		}
		return (!decorators.isEmpty()) ? new CompositeTaskDecorator(decorators) : null;
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingBean(AsyncUtils.class)
	@Conditional(OnOwnExecutorCondition.Platform.class)
	static class ThreadPoolExecutorConfiguration {

		@Bean(name = LionherdConcurrencyAutoConfiguration.EXECUTOR_BEAN_NAME, defaultCandidate = false)
		@ConditionalOnMissingBean(name = LionherdConcurrencyAutoConfiguration.EXECUTOR_BEAN_NAME)
		ThreadPoolTaskExecutor lionherdTaskExecutor(LionherdConcurrencyProperties properties,
				ObjectProvider<TaskDecorator> taskDecorators) {
			LionherdConcurrencyProperties.ExecutorProperties executor = properties.getExecutor();
			// Configured, not built: the subclass keeps cancelled
			// tasks from staying queued behind a task decorator, and
			// queued futures from staying pending after shutdown.
			return new ThreadPoolTaskExecutorBuilder().corePoolSize(executor.getCoreSize())
				.maxPoolSize(executor.getMaxSize())
				.queueCapacity(executor.getQueueCapacity())
				.keepAlive(executor.getKeepAlive())
				.allowCoreThreadTimeOut(executor.isAllowCoreThreadTimeout())
				.threadNamePrefix(executor.getThreadNamePrefix())
				.awaitTermination(executor.isAwaitTermination())
				.awaitTerminationPeriod(executor.getAwaitTerminationPeriod())
				.taskDecorator(taskDecorator(taskDecorators))
				.configure(new LionherdThreadPoolTaskExecutor());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingBean(AsyncUtils.class)
	@Conditional(OnOwnExecutorCondition.Virtual.class)
	static class VirtualThreadsExecutorConfiguration {

		@Bean(name = LionherdConcurrencyAutoConfiguration.EXECUTOR_BEAN_NAME, defaultCandidate = false)
		@ConditionalOnMissingBean(name = LionherdConcurrencyAutoConfiguration.EXECUTOR_BEAN_NAME)
		SimpleAsyncTaskExecutor lionherdTaskExecutor(LionherdConcurrencyProperties properties,
				ObjectProvider<TaskDecorator> taskDecorators) {
			if (Runtime.version().feature() < 21) {
				throw new InvalidConfigurationPropertyValueException(PREFIX + ".virtual-threads", true,
						"virtual threads need Java 21 or later, but this JVM is Java " + Runtime.version().feature()
								+ "; set virtual-threads to false or run on Java 21+");
			}
			LionherdConcurrencyProperties.ExecutorProperties executor = properties.getExecutor();
			SimpleAsyncTaskExecutorBuilder builder = new SimpleAsyncTaskExecutorBuilder().virtualThreads(true)
				.threadNamePrefix(executor.getThreadNamePrefix())
				.taskDecorator(taskDecorator(taskDecorators));
			// No queue here: every task has its own thread. On close, either wait up to
			// the period and then interrupt the threads still running, or interrupt them
			// at once, so that no runSync future is left pending (without either, Spring
			// leaves them running).
			Duration period = executor.getAwaitTerminationPeriod();
			builder = (executor.isAwaitTermination() && !period.isZero()) ? builder.taskTerminationTimeout(period)
					: builder.cancelRemainingTasksOnClose(true);
			return builder.build();
		}

	}

	/**
	 * Whether to create an executor of this kind: only when no {@code bean-name} is
	 * given, and then on virtual threads if {@code virtual-threads} says so or, when it
	 * is unset, as Spring Boot decides from {@code spring.threads.virtual.enabled}.
	 */
	abstract static class OnOwnExecutorCondition extends SpringBootCondition {

		private final boolean virtual;

		OnOwnExecutorCondition(boolean virtual) {
			this.virtual = virtual;
		}

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			String beanName = context.getEnvironment().getProperty(PREFIX + ".bean-name");
			if (beanName != null) {
				return ConditionOutcome.noMatch("executor bean '" + beanName + "' named in " + PREFIX + ".bean-name");
			}
			Boolean configured = context.getEnvironment().getProperty(PREFIX + ".virtual-threads", Boolean.class);
			boolean virtualThreads = (configured != null) ? configured
					: Threading.VIRTUAL.isActive(context.getEnvironment());
			String source = (configured != null) ? PREFIX + ".virtual-threads" : "spring.threads.virtual.enabled";
			return (virtualThreads == this.virtual)
					? ConditionOutcome.match("virtual threads " + virtualThreads + " from " + source)
					: ConditionOutcome.noMatch("virtual threads " + virtualThreads + " from " + source);
		}

		static final class Platform extends OnOwnExecutorCondition {

			Platform() {
				super(false);
			}

		}

		static final class Virtual extends OnOwnExecutorCondition {

			Virtual() {
				super(true);
			}

		}

	}

}
