package io.lionherd.concurrency.autoconfigure;

import io.lionherd.concurrency.annotation.Monitored;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;

import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;

/**
 * {@link AutoConfiguration Auto-configuration} of lionherd's annotations
 * ({@link RateLimited @RateLimited}, {@link Retry @Retry}, {@link Monitored @Monitored})
 * on Spring beans, through a {@link LionherdAnnotationBeanPostProcessor}. Proxies are
 * class-based unless {@code spring.aop.proxy-target-class} is {@code false}, as for
 * Spring Boot's other proxies. Needs Spring AOP ({@code spring-aop}) on the class path.
 */
@AutoConfiguration(after = LionherdConcurrencyAutoConfiguration.class)
@ConditionalOnClass(AbstractBeanFactoryAwareAdvisingPostProcessor.class)
public final class LionherdAnnotationsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static LionherdAnnotationBeanPostProcessor lionherdAnnotationBeanPostProcessor(Environment environment) {
		LionherdAnnotationBeanPostProcessor processor = new LionherdAnnotationBeanPostProcessor();
		processor.setProxyTargetClass(environment.getProperty("spring.aop.proxy-target-class", Boolean.class, true));
		return processor;
	}

}
