package io.lionherd.sample;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.annotation.RateLimited;

import org.springframework.stereotype.Service;

/**
 * A simulated LLM provider behind its quota: the limiter {@value #LIMITER_NAME}
 * ({@code lionherd.concurrency.rate-limiters.provider}: 20 requests and 2 000 tokens per
 * 10 s, as a provider states RPM and TPM) is asked, for each call, for as many permits as
 * the call's {@code tokens}, and counts the call once against its request limit. The
 * method returns a {@link CompletableFuture}: a caller is answered at once and the
 * "provider" is called when every limit has room, with no thread waiting; without room
 * within the limiter's timeout the future fails with a
 * {@link io.lionherd.concurrency.ratelimit.RateLimitExceededException} (answered 429 with
 * {@code Retry-After} by {@link ApiExceptionHandler}).
 */
@Service
public class CompletionService {

	/** The limiter's name: its key under {@code lionherd.concurrency.rate-limiters}. */
	public static final String LIMITER_NAME = "provider";

	private final AsyncUtils asyncUtils;

	private final AtomicLong served = new AtomicLong();

	/**
	 * The monotonic-clock reading taken while the application starts: time zero of the
	 * answers.
	 */
	private final double origin;

	public CompletionService(AsyncUtils asyncUtils) {
		this.asyncUtils = asyncUtils;
		this.origin = asyncUtils.currentTime();
	}

	/**
	 * A completion of {@code tokens} tokens, once the provider's quota has room for them.
	 * @param tokens the tokens asked for: the permits taken, from 1 to the quota's 2 000
	 * @return the completion
	 */
	@RateLimited(value = LIMITER_NAME, permits = "#tokens")
	public CompletableFuture<Completion> complete(int tokens) {
		long number = this.served.incrementAndGet();
		double at = Problems.micros(this.asyncUtils.currentTime() - this.origin);
		return CompletableFuture.completedFuture(new Completion(number, tokens, "lorem ipsum ".repeat(3).trim(), at));
	}

	/**
	 * The answer of {@code GET /api/completion}.
	 *
	 * @param number how many completions were served so far, this one included
	 * @param tokens the tokens it was charged
	 * @param text the simulated completion
	 * @param atSeconds when the provider was called (just after the permits were
	 * granted), in seconds since the application started
	 */
	public record Completion(long number, int tokens, String text, double atSeconds) {
	}

}
