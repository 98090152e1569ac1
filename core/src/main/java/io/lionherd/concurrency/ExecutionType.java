package io.lionherd.concurrency;

import java.util.Locale;

/**
 * How a monitored task ran: blocking on the executor ({@link #SYNC}) or as an
 * asynchronous stage started on the caller's thread ({@link #ASYNC}).
 */
public enum ExecutionType {

	SYNC, ASYNC;

	private final String tagValue = name().toLowerCase(Locale.ROOT);

	/**
	 * The metric tag value for this type.
	 * @return {@code "sync"} or {@code "async"}
	 */
	public String tagValue() {
		return this.tagValue;
	}

}
