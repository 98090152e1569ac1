package io.lionherd.concurrency.internal;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/** Argument checks whose messages name the argument and say what is allowed. */
public final class Checks {

	private Checks() {
	}

	public static <T> T notNull(@Nullable T value, String name) {
		if (value == null) {
			throw new NullPointerException(name + " must not be null");
		}
		return value;
	}

	public static Duration notNegative(@Nullable Duration value, String name) {
		notNull(value, name);
		if (value.isNegative()) {
			throw new IllegalArgumentException(name + " must be zero or positive, but was " + value);
		}
		return value;
	}

	public static Duration positive(@Nullable Duration value, String name) {
		notNull(value, name);
		if (value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(name + " must be positive, but was " + value);
		}
		return value;
	}

	public static int positive(int value, String name) {
		if (value <= 0) {
			throw new IllegalArgumentException(name + " must be at least 1, but was " + value);
		}
		return value;
	}

	/**
	 * Nanoseconds of {@code duration}, saturated at {@code Long.MAX_VALUE} instead of
	 * overflowing.
	 */
	public static long saturatedNanos(Duration duration) {
		try {
			return duration.toNanos();
		}
		catch (ArithmeticException ex) {
			return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
		}
	}

}
