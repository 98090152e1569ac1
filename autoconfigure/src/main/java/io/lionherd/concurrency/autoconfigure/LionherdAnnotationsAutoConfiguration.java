package io.lionherd.concurrency.autoconfigure;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

import io.lionherd.concurrency.RetryPolicy;
import io.lionherd.concurrency.annotation.ConcurrencyLimited;
import io.lionherd.concurrency.annotation.Monitored;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;
import io.lionherd.concurrency.autoconfigure.annotation.AnnotationSettings;
import io.lionherd.concurrency.autoconfigure.annotation.LionherdAnnotationBeanPostProcessor;

import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;

/**
 * {@link AutoConfiguration Auto-configuration} of lionherd's annotations
 * ({@link RateLimited @RateLimited}, {@link ConcurrencyLimited @ConcurrencyLimited},
 * {@link Retry @Retry}, {@link Monitored @Monitored}) on Spring beans, through a
 * {@link LionherdAnnotationBeanPostProcessor}. Proxies are class-based unless
 * {@code spring.aop.proxy-target-class} is {@code false}, as for Spring Boot's other
 * proxies. Needs Spring AOP ({@code spring-aop}) on the class path.
 */
@AutoConfiguration(after = LionherdConcurrencyAutoConfiguration.class)
@ConditionalOnClass(AbstractBeanFactoryAwareAdvisingPostProcessor.class)
public final class LionherdAnnotationsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static LionherdAnnotationBeanPostProcessor lionherdAnnotationBeanPostProcessor(Environment environment,
			ObjectProvider<LionherdConcurrencyProperties> properties) {
		LionherdAnnotationBeanPostProcessor processor = new LionherdAnnotationBeanPostProcessor(
				new PropertiesAnnotationSettings(properties));
		processor.setProxyTargetClass(environment.getProperty("spring.aop.proxy-target-class", Boolean.class, true));
		return processor;
	}

	/**
	 * The retry policies of {@code lionherd.concurrency.retries}, read when the first
	 * annotated bean is created.
	 */
	private record PropertiesAnnotationSettings(
			ObjectProvider<LionherdConcurrencyProperties> properties) implements AnnotationSettings {

		@Override
		public Map<String, RetryPolicy> retryPolicies() {
			LionherdConcurrencyProperties properties = this.properties.getIfAvailable();
			Map<String, RetryPolicy> policies = new LinkedHashMap<>();
			if (properties != null) {
				properties.getRetries().forEach((name, retry) -> policies.put(name, retry.toSettings().toPolicy()));
			}
			return policies;
		}

		@Override
		public String configureHint(String map, String name, Collection<String> known) {
			return MapKeys.configureHint(LionherdConcurrencyProperties.PREFIX + "." + map, name, known);
		}

	}

}
