package io.lionherd.concurrency;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import io.lionherd.concurrency.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * A method with its receiver and arguments bound: the counterpart of Python's
 * {@code functools.partial}. {@code isAsync(partial)} answers for the bound method, so a
 * partial of an async method is async.
 *
 * <pre>{@code
 * Partial add = Partial.of(calculator, "addAsync", 10, 5);
 * asyncUtils.isAsync(add);   // true: addAsync returns CompletableFuture<Integer>
 * }</pre>
 */
public final class Partial implements Callable<@Nullable Object>, Delegating {

	private final @Nullable Object target;

	private final Method method;

	private final @Nullable Object[] arguments;

	private Partial(@Nullable Object target, Method method, @Nullable Object[] arguments) {
		this.target = target;
		this.method = method;
		this.arguments = arguments;
	}

	/**
	 * Binds {@code method} to {@code target} and {@code arguments}.
	 * @param target the receiver, {@code null} for a static method
	 * @param method the method to call
	 * @param arguments every argument the method takes
	 * @return the bound call
	 */
	public static Partial of(@Nullable Object target, Method method, @Nullable Object... arguments) {
		Checks.notNull(method, "method");
		if (target == null && !Modifier.isStatic(method.getModifiers())) {
			throw new NullPointerException("target must not be null for instance method " + method);
		}
		Object[] args = (arguments != null) ? arguments.clone() : new Object[] { null };
		if (args.length != method.getParameterCount()) {
			throw new IllegalArgumentException("arguments must match the " + method.getParameterCount()
					+ " parameter(s) of " + method + ", but " + args.length + " were given");
		}
		return new Partial(target, method, args);
	}

	/**
	 * Binds the public method named {@code methodName} of {@code target} that takes as
	 * many arguments as given.
	 * @param target the receiver
	 * @param methodName the name of a public method of {@code target}'s class
	 * @param arguments every argument the method takes
	 * @return the bound call
	 */
	public static Partial of(Object target, String methodName, @Nullable Object... arguments) {
		Checks.notNull(target, "target");
		Checks.notNull(methodName, "methodName");
		int count = (arguments != null) ? arguments.length : 1;
		List<Method> candidates = Arrays.stream(target.getClass().getMethods())
			.filter((method) -> method.getName().equals(methodName) && method.getParameterCount() == count)
			.toList();
		if (candidates.size() != 1) {
			throw new IllegalArgumentException(
					"methodName must name exactly one public method of " + target.getClass().getName() + " taking "
							+ count + " argument(s), but '" + methodName + "' matches " + candidates.size());
		}
		return of(target, candidates.get(0), arguments);
	}

	/**
	 * Calls the bound method.
	 * @return what it returned
	 * @throws Exception what it threw, unwrapped from reflection
	 */
	@Override
	public @Nullable Object call() throws Exception {
		try {
			return this.method.invoke(this.target, this.arguments);
		}
		catch (InvocationTargetException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof Exception exception) {
				throw exception;
			}
			if (cause instanceof Error error) {
				throw error;
			}
			throw ex;
		}
	}

	@Override
	public Object delegate() {
		return this.method;
	}

	@Override
	public String toString() {
		return "Partial[" + this.method.getName() + Arrays.toString(this.arguments) + "]";
	}

}
