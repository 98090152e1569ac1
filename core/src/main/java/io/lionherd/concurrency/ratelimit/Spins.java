package io.lionherd.concurrency.ratelimit;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The only waiting of the limiters' lock-free paths: spinning while another thread
 * finishes a step it has already won. Nothing else happens here, so that BlockHound's
 * integration ({@code LionherdBlockHoundIntegration}) can allow these methods by name on
 * non-blocking threads.
 */
final class Spins {

	private Spins() {
	}

	/**
	 * Backs off after a lost CAS: a randomised, exponentially growing spin (at most 1 023
	 * hints). Retrying at once makes two threads lose to each other most of the time (a
	 * ticker read sits between their read of the control word and the CAS); parking
	 * instead would stall the loser far longer than the race lasts.
	 * @param failures the failures so far
	 * @return the number of failures so far, this one included
	 */
	static int contended(int failures) {
		int spins = ThreadLocalRandom.current().nextInt(1 << Math.min(failures + 1, 10));
		for (int i = 0; i < spins; i++) {
			Thread.onSpinWait();
		}
		return failures + 1;
	}

	/**
	 * Waits a little for another thread's step: spins, then, after 64 rounds, yields.
	 * @param spins the rounds waited so far
	 */
	static void backOff(int spins) {
		if (spins < 64) {
			Thread.onSpinWait();
		}
		else {
			Thread.yield();
		}
	}

}
