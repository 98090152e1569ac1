package io.lionherd.concurrency.capacity;

import io.lionherd.concurrency.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * No permit of a named concurrency limit within the acquire's timeout, or the thread was
 * interrupted while it waited for one.
 */
public class ConcurrencyLimitExceededException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String name;

	/**
	 * @param name the limit's name
	 * @param message what happened
	 * @param cause the timeout or interruption, if any
	 */
	public ConcurrencyLimitExceededException(String name, String message, @Nullable Throwable cause) {
		super(message, cause);
		this.name = Checks.notNull(name, "name");
	}

	/**
	 * The limit that had no permit.
	 * @return its name
	 */
	public String name() {
		return this.name;
	}

}
