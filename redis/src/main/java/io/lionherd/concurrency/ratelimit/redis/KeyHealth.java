package io.lionherd.concurrency.ratelimit.redis;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is known of Redis for one limiter's key: whether it answered the latest call or
 * probe, whether a call was answered since the last round of the probe, and the error
 * replies logged since Redis last decided (one warning per limiter and error code). The
 * limiters of one name's client keys share one, which is not probed while idle
 * ({@link Backend#keyed}): one warning per name and error code, not per client.
 */
final class KeyHealth {

	/** Under the public class's name: the one users configure. */
	private static final Logger logger = LoggerFactory.getLogger(RedisRateLimiter.class);

	private final String name;

	final String key;

	volatile boolean reachable = true;

	/** A call was answered since the last round of the probe. */
	final AtomicBoolean answered = new AtomicBoolean();

	/** A probe is in flight. */
	final AtomicBoolean probing = new AtomicBoolean();

	/**
	 * Whether this instance logged that another defines the limiter differently: once per
	 * named limiter, and once for all the client keys of a name.
	 */
	final AtomicBoolean mismatchLogged = new AtomicBoolean();

	/**
	 * Guarded by this: the codes of the error replies logged since Redis last decided;
	 * {@code null} while none was.
	 */
	private @Nullable Set<String> warned;

	/** Whether {@link #warned} may hold any: read on every decision, without the lock. */
	private volatile boolean warning;

	KeyHealth(String name, String key) {
		this.name = name;
		this.key = key;
	}

	/**
	 * The outcome of a call: a decision ({@code null}), an error reply (the server is
	 * there), or no reply (an outage).
	 */
	void replied(@Nullable Throwable error) {
		if (error != null && !Backend.isErrorReply(error)) {
			this.reachable = false;
			return;
		}
		// Checked first: no write to shared memory on every call.
		if (!this.reachable) {
			this.reachable = true;
		}
		if (!this.answered.get()) {
			this.answered.set(true);
		}
		if (error == null) {
			if (this.warning) {
				decidedAgain();
			}
		}
		else {
			refused(error);
		}
	}

	private synchronized void refused(Throwable error) {
		this.warning = true;
		Set<String> warned = this.warned;
		if (warned == null) {
			warned = new HashSet<>();
			this.warned = warned;
		}
		if (warned.add(Backend.errorCode(error))) {
			logger.warn(
					"Redis answers rate limiter '{}' (key {}) with an error, so it grants nothing until Redis "
							+ "decides again, whatever on-backend-failure says: {}",
					this.name, this.key, error.getMessage());
		}
	}

	private synchronized void decidedAgain() {
		if (this.warning) {
			this.warning = false;
			this.warned = null;
			logger.info("Redis decides for rate limiter '{}' (key {}) again", this.name, this.key);
		}
	}

}
