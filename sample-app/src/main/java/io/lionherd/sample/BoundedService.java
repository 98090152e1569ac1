package io.lionherd.sample;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.annotation.ConcurrencyLimited;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

/**
 * A simulated provider that serves at most a few calls at once: each call of
 * {@link #call(InFlight)} holds a permit of the concurrency limit {@value #LIMIT_NAME}
 * ({@code lionherd.concurrency.capacity-limiters.bounded}: 2 at once, a call waiting at
 * most 2 s for its permit) while it runs. The method returns a {@link CompletableFuture}
 * at once; a call beyond the total is made when a running one completes, with no thread
 * waiting meanwhile, and the "provider" itself is a non-blocking sleep of 100 ms
 * ({@code sample.bounded.call-time}). Without a permit within the limit's timeout the
 * future fails with a
 * {@link io.lionherd.concurrency.capacity.ConcurrencyLimitExceededException} (answered
 * 503 by {@link ApiExceptionHandler}).
 */
@Service
public class BoundedService {

	/** The limit's name: its key under {@code lionherd.concurrency.capacity-limiters}. */
	public static final String LIMIT_NAME = "bounded";

	private final AsyncUtils asyncUtils;

	private final Duration callTime;

	private final AtomicInteger calls = new AtomicInteger();

	/**
	 * @param asyncUtils where the calls sleep
	 * @param callTime how long one simulated provider call takes
	 * ({@code sample.bounded.call-time}, 100 ms unless set)
	 */
	public BoundedService(AsyncUtils asyncUtils, @Value("${sample.bounded.call-time:100ms}") Duration callTime) {
		this.asyncUtils = asyncUtils;
		this.callTime = callTime;
	}

	/**
	 * One provider call, made once a permit of the limit is granted and holding it until
	 * the returned future completes, however it completes: cancelling the future ends the
	 * call and frees its permit at once.
	 * @param inFlight where the calls of one request count themselves
	 * @return the call's completion
	 */
	@ConcurrencyLimited(LIMIT_NAME)
	public CompletableFuture<Void> call(InFlight inFlight) {
		this.calls.incrementAndGet();
		inFlight.enter();
		CompletableFuture<Void> sleep = this.asyncUtils.sleep(this.callTime);
		// completes once the call counted itself out, so before its permit is released
		// and the next waiter's call counts itself in
		CompletableFuture<Void> call = sleep.whenComplete((result, error) -> inFlight.exit());
		call.whenComplete((result, error) -> {
			if (call.isCancelled()) {
				sleep.cancel(true);
			}
		});
		return call;
	}

	/**
	 * How many provider calls were made since the application started.
	 * @return the calls made
	 */
	public int calls() {
		return this.calls.get();
	}

	/**
	 * The calls of one request running now, and the most that ran at once.
	 */
	public static final class InFlight {

		private final AtomicInteger now = new AtomicInteger();

		private final AtomicInteger max = new AtomicInteger();

		void enter() {
			this.max.accumulateAndGet(this.now.incrementAndGet(), Math::max);
		}

		void exit() {
			this.now.decrementAndGet();
		}

		/**
		 * The most calls that ran at once.
		 * @return the maximum
		 */
		public int max() {
			return this.max.get();
		}

	}

}
