package io.lionherd.concurrency;

import java.util.function.Supplier;

/**
 * A small sync supplier that tests load again in throwaway class loaders.
 */
public class IsAsyncSyncProbe implements Supplier<String> {

	@Override
	public String get() {
		return "probe";
	}

}
