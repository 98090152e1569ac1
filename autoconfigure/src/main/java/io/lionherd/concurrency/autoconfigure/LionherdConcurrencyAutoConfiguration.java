package io.lionherd.concurrency.autoconfigure;

import java.util.concurrent.Executor;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.CapacityLimiterProperties;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.RateLimiterProperties;
import io.lionherd.concurrency.capacity.ConcurrencyLimitFactory;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.ratelimit.RateLimiterFactory;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanNotOfRequiredTypeException;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * {@link AutoConfiguration Auto-configuration} for {@link AsyncUtils}: one bean, backed
 * by its own executor ({@value #EXECUTOR_BEAN_NAME}, kept out of by-type injection so
 * Spring Boot's {@code applicationTaskExecutor} stays in place) or by the executor bean
 * named in {@code lionherd.concurrency.executor.bean-name}, customized by every
 * {@link AsyncUtilsBuilderCustomizer} bean in order; plus the {@link RateLimiterRegistry}
 * holding the limiters named under {@code lionherd.concurrency.rate-limiters}, and the
 * {@link ConcurrencyLimitRegistry} holding the concurrency limits named under
 * {@code lionherd.concurrency.capacity-limiters}, each created at startup by the backend
 * its {@code backend} names.
 */
@AutoConfiguration(after = TaskExecutionAutoConfiguration.class)
@EnableConfigurationProperties(LionherdConcurrencyProperties.class)
@Import({ LionherdExecutorConfigurations.ThreadPoolExecutorConfiguration.class,
		LionherdExecutorConfigurations.VirtualThreadsExecutorConfiguration.class })
public final class LionherdConcurrencyAutoConfiguration {

	/**
	 * Name of the executor bean this auto-configuration creates; Spring Boot's executor
	 * metrics name it {@code lionherd}.
	 */
	public static final String EXECUTOR_BEAN_NAME = "lionherdTaskExecutor";

	@Bean
	@ConditionalOnMissingBean
	AsyncUtils asyncUtils(LionherdConcurrencyProperties properties, BeanFactory beanFactory,
			ObjectProvider<AsyncUtilsBuilderCustomizer> customizers) {
		AsyncUtils.Builder builder = AsyncUtils.builder()
			.executor(executor(properties.getExecutor().getBeanName(), beanFactory))
			.targetResolver(AopProxyUtils::getSingletonTarget);
		customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
		return builder.build();
	}

	@Bean
	@ConditionalOnMissingBean
	RateLimiterRegistry lionherdRateLimiterRegistry(AsyncUtils asyncUtils, LionherdConcurrencyProperties properties,
			ObjectProvider<RateLimiterBackend> backends) {
		RateLimiterRegistry registry = new RateLimiterRegistry(asyncUtils.rateLimiterFactory());
		Backends<RateLimiterFactory, RateLimiterProperties> byName = Backends
			.rateLimiters(asyncUtils.rateLimiterFactory(), backends.orderedStream());
		properties.getRateLimiters()
			.forEach((name, limiter) -> registry.rateLimiter(name, limiter.toConfig(),
					byName.factory(name, limiter.getBackend(), limiter)));
		return registry;
	}

	@Bean
	@ConditionalOnMissingBean
	ConcurrencyLimitRegistry lionherdConcurrencyLimitRegistry(AsyncUtils asyncUtils,
			LionherdConcurrencyProperties properties, ObjectProvider<CapacityLimiterBackend> backends) {
		ConcurrencyLimitFactory local = asyncUtils.concurrencyLimitFactory();
		ConcurrencyLimitRegistry registry = new ConcurrencyLimitRegistry(local);
		Backends<ConcurrencyLimitFactory, CapacityLimiterProperties> byName = Backends.capacityLimiters(local,
				backends.orderedStream());
		properties.getCapacityLimiters()
			.forEach((name, limit) -> registry.concurrencyLimit(name, limit.toConfig(),
					byName.factory(name, limit.getBackend(), limit)));
		return registry;
	}

	/**
	 * The executor to hand to {@link AsyncUtils}. For a {@link ThreadPoolTaskExecutor}
	 * that is its underlying pool, which still applies the task decorator and lifecycle
	 * pauses, and lets a cancelled {@code runSync} task leave the queue at once. With a
	 * task decorator the last holds only for the executor created here (see
	 * {@link LionherdThreadPoolTaskExecutor}): an application's own pool queues the
	 * decorator's wrapper, which stays queued, emptied of its task, until a worker takes
	 * it.
	 */
	private static Executor executor(@Nullable String beanName, BeanFactory beanFactory) {
		Executor executor = resolveExecutor(beanName, beanFactory);
		return (executor instanceof ThreadPoolTaskExecutor pool) ? pool.getThreadPoolExecutor() : executor;
	}

	private static Executor resolveExecutor(@Nullable String beanName, BeanFactory beanFactory) {
		if (beanName == null) {
			return beanFactory.getBean(EXECUTOR_BEAN_NAME, Executor.class);
		}
		try {
			return beanFactory.getBean(beanName, Executor.class);
		}
		catch (NoSuchBeanDefinitionException | BeanNotOfRequiredTypeException ex) {
			throw new InvalidConfigurationPropertyValueException(
					LionherdConcurrencyProperties.PREFIX + ".executor.bean-name", beanName,
					"bean-name must name an existing java.util.concurrent.Executor bean, or be left unset to "
							+ "let lionherd-concurrency create its own executor (" + ex.getMessage() + ")");
		}
	}

}
