package io.lionherd.sample;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import org.junit.jupiter.api.Test;

import org.springframework.web.context.request.async.DeferredResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * What {@code /api/rate-limited}'s times mean, on a manual clock: the limiter's grant
 * lies between {@code requestedAtSeconds} and {@code atSeconds}, whether it is granted at
 * once or after a wait, and however late the permit's completion reaches the controller.
 */
class RateLimitedGrantTimeTests {

	private static final long MILLI = 1_000_000L;

	private final AtomicLong ticker = new AtomicLong();

	private final RateLimiter limiter = mock(RateLimiter.class);

	private final RateLimitedController controller = new RateLimitedController(
			AsyncUtils.builder().executor(Runnable::run).ticker(this.ticker::get).build(), this.limiter);

	@Test
	void anImmediateGrantLiesBetweenTheRequestAndAtSeconds() {
		AtomicLong grantedAt = new AtomicLong();
		given(this.limiter.acquire()).willAnswer((invocation) -> {
			grantedAt.set(this.ticker.addAndGet(MILLI)); // the limiter reads its clock
															// and grants
			this.ticker.addAndGet(MILLI); // acquire returns a little later
			return CompletableFuture.completedFuture(null);
		});

		RateLimitedController.Grant grant = result(this.controller.rateLimited());

		assertThat(grant.requestedAtSeconds()).isLessThanOrEqualTo(seconds(grantedAt.get()));
		assertThat(grant.atSeconds()).isGreaterThanOrEqualTo(seconds(grantedAt.get()));
	}

	@Test
	void aLateDeliveredGrantLiesBetweenTheRequestAndAtSeconds() {
		CompletableFuture<Void> permit = new CompletableFuture<>();
		given(this.limiter.acquire()).willReturn(permit);
		DeferredResult<RateLimitedController.Grant> answer = this.controller.rateLimited();

		long grantedAt = this.ticker.addAndGet(500 * MILLI);
		this.ticker.addAndGet(300 * MILLI); // a busy wake-up thread delivers the grant
											// late
		permit.complete(null);

		RateLimitedController.Grant grant = result(answer);
		assertThat(grant.requestedAtSeconds()).isLessThanOrEqualTo(seconds(grantedAt));
		assertThat(grant.atSeconds()).isGreaterThanOrEqualTo(seconds(grantedAt));
	}

	private static double seconds(long nanos) {
		return nanos / 1e9;
	}

	private static RateLimitedController.Grant result(DeferredResult<RateLimitedController.Grant> answer) {
		assertThat(answer.hasResult()).as("answered").isTrue();
		return (RateLimitedController.Grant) answer.getResult();
	}

}
