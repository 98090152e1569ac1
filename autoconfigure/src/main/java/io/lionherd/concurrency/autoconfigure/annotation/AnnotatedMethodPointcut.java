package io.lionherd.concurrency.autoconfigure.annotation;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import io.lionherd.concurrency.annotation.ConcurrencyLimited;
import io.lionherd.concurrency.annotation.Monitored;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Matches the methods lionherd's annotations apply to: annotated themselves (also on an
 * interface or superclass method they implement), or public and declared in (or inherited
 * by) an annotated class, except {@link Object}'s methods.
 */
@SuppressWarnings("serial")
final class AnnotatedMethodPointcut extends StaticMethodMatcherPointcut {

	static final AnnotatedMethodPointcut INSTANCE = new AnnotatedMethodPointcut();

	@Override
	public boolean matches(Method method, Class<?> targetClass) {
		Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
		return find(specific, targetClass, RateLimited.class) != null
				|| find(specific, targetClass, Monitored.class) != null
				|| find(specific, targetClass, Retry.class) != null
				|| find(specific, targetClass, ConcurrencyLimited.class) != null;
	}

	/**
	 * The annotation of {@code type} that applies to {@code method}: its own, else its
	 * class's when it is public.
	 */
	static <A extends Annotation> @Nullable A find(Method method, Class<?> targetClass, Class<A> type) {
		A annotation = AnnotatedElementUtils.findMergedAnnotation(method, type);
		if (annotation != null) {
			return annotation;
		}
		if (!Modifier.isPublic(method.getModifiers()) || Modifier.isStatic(method.getModifiers())
				|| method.getDeclaringClass() == Object.class) {
			return null;
		}
		return AnnotatedElementUtils.findMergedAnnotation(targetClass, type);
	}

}
