package io.lionherd.concurrency.autoconfigure.annotation;

import java.lang.reflect.Method;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.MonitorRecorder;
import io.lionherd.concurrency.annotation.ConcurrencyLimited;
import io.lionherd.concurrency.annotation.Monitored;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.EmbeddedValueResolverAware;
import org.springframework.core.Ordered;
import org.springframework.scheduling.annotation.AsyncAnnotationAdvisor;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.StringValueResolver;

/**
 * Applies lionherd's annotations to Spring beans: a bean with a method annotated (or a
 * class annotated) with {@link RateLimited @RateLimited},
 * {@link ConcurrencyLimited @ConcurrencyLimited}, {@link Retry @Retry} or
 * {@link Monitored @Monitored} gets a proxy whose interceptor takes the permits, retries
 * and records the monitor, the way Spring Framework's own
 * {@code ConcurrencyLimitBeanPostProcessor} applies {@code @ConcurrencyLimit}: no AspectJ
 * weaver, and a call from the bean to itself is not intercepted.
 * <p>
 * Every annotated method is checked while its bean is created, so an annotation naming a
 * rate limiter, a concurrency limit or a retry policy that does not exist, a malformed
 * timeout, an unparsable {@code permits} or {@code key} expression or an unsupported
 * return type stops the application's startup with a message naming the bean, the method
 * and the value.
 * <p>
 * It adds its interceptor in front of the interceptors already there
 * ({@code @Transactional}, say: a transaction starts only once the permit is granted),
 * but always behind {@code @Async}'s: an {@code @Async} method returns to its caller at
 * once and waits for its permit on the async executor, where it then runs.
 */
@SuppressWarnings("serial")
public class LionherdAnnotationBeanPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor
		implements EmbeddedValueResolverAware {

	/**
	 * This post-processor's order: just before Spring's {@code @Async} post-processor
	 * (whose default order is {@link Ordered#LOWEST_PRECEDENCE}).
	 */
	public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 10;

	private final LionherdAnnotationInterceptor interceptor;

	private @Nullable BeanFactory lionherdBeanFactory;

	/**
	 * A post-processor that finds the {@link RateLimiterRegistry},
	 * {@link ConcurrencyLimitRegistry}, {@link AsyncUtils} and (for {@code @Monitored} on
	 * a {@code Mono} or {@code Flux}) {@link MonitorRecorder} beans when it first needs
	 * them.
	 * @param settings the retry policies, and where a missing name is configured
	 */
	public LionherdAnnotationBeanPostProcessor(AnnotationSettings settings) {
		setBeforeExistingAdvisors(true);
		setOrder(ORDER);
		this.interceptor = new LionherdAnnotationInterceptor(this::rateLimiterRegistry, this::concurrencyLimitRegistry,
				this::asyncUtils, this::monitorRecorder, settings);
		this.advisor = new DefaultPointcutAdvisor(AnnotatedMethodPointcut.INSTANCE, this.interceptor);
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		super.setBeanFactory(beanFactory);
		this.lionherdBeanFactory = beanFactory;
	}

	@Override
	public void setBeanClassLoader(ClassLoader classLoader) {
		super.setBeanClassLoader(classLoader);
		this.interceptor.setBeanClassLoader(classLoader);
	}

	@Override
	public void setEmbeddedValueResolver(StringValueResolver resolver) {
		this.interceptor.setEmbeddedValueResolver(resolver);
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (!(bean instanceof AopInfrastructureBean) && isEligible(bean, beanName)) {
			Class<?> targetClass = AopUtils.getTargetClass(bean);
			for (Method method : ReflectionUtils.getUniqueDeclaredMethods(targetClass,
					ReflectionUtils.USER_DECLARED_METHODS)) {
				if (AnnotatedMethodPointcut.INSTANCE.matches(method, targetClass)) {
					this.interceptor.check(method, targetClass, beanName);
				}
			}
		}
		Object proxy = super.postProcessAfterInitialization(bean, beanName);
		if (proxy instanceof Advised advised && !advised.isFrozen()) {
			keepInsideAsync(advised);
		}
		return proxy;
	}

	/**
	 * Moves this interceptor behind {@code @Async}'s when the latter came first (an
	 * {@code @EnableAsync} ordered before this post-processor), so an {@code @Async}
	 * method never waits for its permit in its caller.
	 */
	private void keepInsideAsync(Advised advised) {
		int ours = advised.indexOf(this.advisor);
		Advisor[] advisors = advised.getAdvisors();
		for (int i = advisors.length - 1; i > ours && ours >= 0; i--) {
			if (advisors[i] instanceof AsyncAnnotationAdvisor) {
				advised.removeAdvisor(ours);
				advised.addAdvisor(i, this.advisor);
				return;
			}
		}
	}

	private RateLimiterRegistry rateLimiterRegistry() {
		return beanFactory().getBean(RateLimiterRegistry.class);
	}

	private ConcurrencyLimitRegistry concurrencyLimitRegistry() {
		return beanFactory().getBean(ConcurrencyLimitRegistry.class);
	}

	private AsyncUtils asyncUtils() {
		return beanFactory().getBean(AsyncUtils.class);
	}

	/**
	 * The {@link MonitorRecorder} bean that the auto-configuration hands
	 * {@code AsyncUtils} too, if there is exactly one.
	 */
	private @Nullable MonitorRecorder monitorRecorder() {
		return beanFactory().getBeanProvider(MonitorRecorder.class).getIfUnique();
	}

	private BeanFactory beanFactory() {
		BeanFactory beanFactory = this.lionherdBeanFactory;
		if (beanFactory == null) {
			throw new IllegalStateException("LionherdAnnotationBeanPostProcessor needs a BeanFactory");
		}
		return beanFactory;
	}

}
