package io.lionherd.concurrency;

/**
 * A wrapper that stands for another callable, such as {@link Partial}. {@code isAsync}
 * looks through it, to any depth, and answers for what it wraps.
 */
@FunctionalInterface
public interface Delegating {

	/**
	 * The wrapped object.
	 * @return what this wrapper stands for
	 */
	Object delegate();

}
