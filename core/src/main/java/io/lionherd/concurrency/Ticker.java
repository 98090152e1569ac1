package io.lionherd.concurrency;

/**
 * A monotonic clock in nanoseconds, as Caffeine's {@code Ticker}: the time source of
 * {@link AsyncUtils#currentTime()}, the performance monitor and the rate limiters. Only
 * the difference of two readings means anything. Pass a hand-driven ticker (with a
 * matching {@link DelayScheduler}) to test time-dependent code without waiting.
 */
@FunctionalInterface
public interface Ticker {

	/**
	 * Reads the clock.
	 * @return nanoseconds from an arbitrary origin; differences never go backwards
	 */
	long read();

	/**
	 * The system's monotonic clock, {@link System#nanoTime()}.
	 * @return the system ticker
	 */
	static Ticker system() {
		return SystemTicker.INSTANCE;
	}

}

enum SystemTicker implements Ticker {

	INSTANCE;

	@Override
	public long read() {
		return System.nanoTime();
	}

}
