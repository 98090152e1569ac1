package io.lionherd.sample.webflux;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.annotation.Monitored;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Service;

/**
 * Quotes from a simulated provider that allows 5 calls per 500 ms: the method asks the
 * provider only once a permit of the starter's limiter {@code reactive-quotes} is
 * granted. It returns a {@link Mono}, so calling it does nothing; each subscription (each
 * request) is timed as the {@code lionherd.monitor} timer {@code reactive-quote}, retried
 * by the policy {@code reactive-quotes} (transient I/O failures only: a call the limiter
 * refused is answered 429 at once), each attempt waiting for its own permit without
 * holding a thread, and only then invoking this method. A permit that does not come
 * within the limiter's timeout is a
 * {@link io.lionherd.concurrency.ratelimit.RateLimitExceededException} error signal
 * (answered 429 by {@link ApiExceptionHandler}); a request that goes away while waiting
 * gives its place up.
 */
@Service
public class ReactiveQuoteService {

	/** How long the simulated provider takes to answer, on Reactor's timer. */
	static final Duration PROVIDER_LATENCY = Duration.ofMillis(20);

	private final AsyncUtils asyncUtils;

	private final AtomicLong served = new AtomicLong();

	/**
	 * The monotonic-clock reading taken while the application starts: time zero of the
	 * answers.
	 */
	private final double origin;

	public ReactiveQuoteService(AsyncUtils asyncUtils) {
		this.asyncUtils = asyncUtils;
		this.origin = asyncUtils.currentTime();
	}

	/**
	 * The provider's quote for a symbol, once a permit is granted.
	 * @param symbol the instrument, already checked by the controller
	 * @return the quote, numbered from 1 in the order the permits were granted
	 */
	@Monitored("reactive-quote")
	@Retry("reactive-quotes")
	@RateLimited("reactive-quotes")
	public Mono<Quote> quote(String symbol) {
		// Invoked once per attempt, just after its permit was granted.
		long number = this.served.incrementAndGet();
		double grantedAt = seconds(this.asyncUtils.currentTime() - this.origin);
		// Mono.delay stands for a non-blocking provider call (a WebClient exchange, say).
		return Mono.delay(PROVIDER_LATENCY).map((tick) -> new Quote(symbol, price(symbol), number, grantedAt));
	}

	/** A made-up price that stays the same for a symbol: the provider is simulated. */
	private static double price(String symbol) {
		return (1_000 + Math.floorMod(symbol.hashCode(), 99_000)) / 100.0;
	}

	private static double seconds(double seconds) {
		return Math.round(seconds * 1_000_000d) / 1_000_000d;
	}

	/**
	 * The answer of {@code GET /api/reactive-quote}.
	 *
	 * @param symbol the instrument, upper case
	 * @param price its (simulated) price
	 * @param number how many provider calls were made so far, this one included
	 * @param grantedAtSeconds when the call's permit was granted, in seconds since the
	 * application started
	 */
	public record Quote(String symbol, double price, long number, double grantedAtSeconds) {
	}

}
