package io.lionherd.example;

import io.lionherd.concurrency.internal.Checks;

/**
 * A user's class that reaches into {@code internal}: what {@code InternalPackageRule}
 * must flag.
 */
public class UsesInternal {

	public Object check(Object value) {
		return Checks.notNull(value, "value");
	}

}
