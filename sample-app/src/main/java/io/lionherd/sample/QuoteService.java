package io.lionherd.sample;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.annotation.Monitored;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;

import org.springframework.stereotype.Service;

/**
 * The annotated way to use lionherd-concurrency: a service whose method takes a permit of
 * the starter's limiter {@code sample} and is recorded as the {@code lionherd.monitor}
 * timer {@code quote}, with no limiter or monitor code of its own. It returns a
 * {@link CompletableFuture}, so a caller is answered at once and the method runs when the
 * permit is granted: no thread waits for it. Without a permit within the limiter's
 * timeout the future fails with a
 * {@link io.lionherd.concurrency.ratelimit.RateLimitExceededException} (answered 429 by
 * {@link ApiExceptionHandler}).
 * <p>
 * It is also retried with the policy {@code quote}
 * ({@code lionherd.concurrency.retries.quote}: transient I/O failures only, so a call
 * refused by the limiter is answered 429 at once rather than retried), each attempt
 * taking its own permit, and counted in {@code lionherd.retry.calls}; the monitor sees
 * the whole call.
 */
@Service
public class QuoteService {

	private static final List<String> QUOTES = List.of("Make it work, make it right, make it fast.",
			"Premature optimization is the root of all evil.", "Simplicity is prerequisite for reliability.",
			"Concurrency is not parallelism.");

	private final AsyncUtils asyncUtils;

	private final AtomicLong served = new AtomicLong();

	/**
	 * The monotonic-clock reading taken while the application starts: time zero of the
	 * answers.
	 */
	private final double origin;

	public QuoteService(AsyncUtils asyncUtils) {
		this.asyncUtils = asyncUtils;
		this.origin = asyncUtils.currentTime();
	}

	/**
	 * The next quote, once a permit of the limiter {@code sample} is granted.
	 * @return the quote, numbered from 1, and when it was served, in seconds since the
	 * application started
	 */
	@Monitored("quote")
	@Retry("quote")
	@RateLimited("sample")
	public CompletableFuture<Quote> quote() {
		long number = this.served.incrementAndGet();
		String text = QUOTES.get((int) ((number - 1) % QUOTES.size()));
		double at = Problems.micros(this.asyncUtils.currentTime() - this.origin);
		return CompletableFuture.completedFuture(new Quote(number, text, at));
	}

	/**
	 * The answer of {@code GET /api/quote}.
	 *
	 * @param number how many quotes were served so far, this one included
	 * @param quote the quote
	 * @param atSeconds when the method ran (just after its permit was granted), in
	 * seconds since the application started
	 */
	public record Quote(long number, String quote, double atSeconds) {
	}

}
