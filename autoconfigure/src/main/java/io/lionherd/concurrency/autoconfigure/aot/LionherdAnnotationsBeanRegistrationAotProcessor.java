package io.lionherd.concurrency.autoconfigure.aot;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import io.lionherd.concurrency.annotation.ConcurrencyLimited;
import io.lionherd.concurrency.annotation.Monitored;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Hints for the beans lionherd's annotations apply to. Their methods and annotations are
 * found by reflection when each bean is created (to check them and to decide whether to
 * proxy it), and a proxied call reaches the bean's method by reflection: so each bean
 * class with a method annotated {@link RateLimited @RateLimited}, {@link Retry @Retry},
 * {@link Monitored @Monitored} or {@link ConcurrencyLimited @ConcurrencyLimited} (or an
 * annotated class) is registered with its annotated methods invocable, and the
 * annotations with their attributes readable. Which methods the annotations apply to
 * follows the annotations' contract: annotated themselves (also through an interface or
 * superclass method), or public and not static in an annotated class. The proxy classes
 * themselves Spring generates at build time.
 * <p>
 * A {@code @RateLimited(permits = ...)} or {@code @RateLimited(key = ...)} expression
 * reads the method's arguments by reflection (SpEL calls their getters, or a record's
 * accessors), so the parameter types of such a method are registered with their public
 * methods invocable; the method's parameter names come with its own registration.
 */
final class LionherdAnnotationsBeanRegistrationAotProcessor implements BeanRegistrationAotProcessor {

	static final List<Class<? extends Annotation>> ANNOTATIONS = List.of(RateLimited.class, Retry.class,
			Monitored.class, ConcurrencyLimited.class);

	@Override
	public @Nullable BeanRegistrationAotContribution processAheadOfTime(RegisteredBean registeredBean) {
		Class<?> beanClass = ClassUtils.getUserClass(registeredBean.getBeanClass());
		List<Method> methods = annotatedMethods(beanClass);
		if (methods.isEmpty()) {
			return null;
		}
		return (generationContext, beanRegistrationCode) -> {
			ReflectionHints reflection = generationContext.getRuntimeHints().reflection();
			reflection.registerType(beanClass);
			for (Method method : methods) {
				reflection.registerMethod(method, ExecutableMode.INVOKE);
				if (hasArgumentExpression(method, beanClass)) {
					for (Class<?> parameterType : method.getParameterTypes()) {
						if (!parameterType.isPrimitive()) {
							reflection.registerType(parameterType, MemberCategory.INVOKE_PUBLIC_METHODS);
						}
					}
				}
			}
			for (Class<? extends Annotation> annotation : ANNOTATIONS) {
				reflection.registerType(annotation, MemberCategory.INVOKE_PUBLIC_METHODS);
			}
		};
	}

	static List<Method> annotatedMethods(Class<?> beanClass) {
		boolean classAnnotated = isAnnotated(beanClass);
		List<Method> methods = new ArrayList<>();
		for (Method method : ReflectionUtils.getUniqueDeclaredMethods(beanClass,
				ReflectionUtils.USER_DECLARED_METHODS)) {
			if (isAnnotated(method) || (classAnnotated && Modifier.isPublic(method.getModifiers())
					&& !Modifier.isStatic(method.getModifiers()) && method.getDeclaringClass() != Object.class)) {
				methods.add(method);
			}
		}
		return methods;
	}

	/**
	 * Whether the {@code @RateLimited} that applies to the method has permits or a key to
	 * evaluate.
	 */
	private static boolean hasArgumentExpression(Method method, Class<?> beanClass) {
		RateLimited rateLimited = AnnotatedElementUtils.findMergedAnnotation(method, RateLimited.class);
		if (rateLimited == null) {
			rateLimited = AnnotatedElementUtils.findMergedAnnotation(beanClass, RateLimited.class);
		}
		return rateLimited != null && !(rateLimited.permits().isBlank() && rateLimited.key().isBlank());
	}

	private static boolean isAnnotated(Class<?> type) {
		for (Class<? extends Annotation> annotation : ANNOTATIONS) {
			if (AnnotatedElementUtils.hasAnnotation(type, annotation)) {
				return true;
			}
		}
		return false;
	}

	private static boolean isAnnotated(Method method) {
		for (Class<? extends Annotation> annotation : ANNOTATIONS) {
			if (AnnotatedElementUtils.hasAnnotation(method, annotation)) {
				return true;
			}
		}
		return false;
	}

}
