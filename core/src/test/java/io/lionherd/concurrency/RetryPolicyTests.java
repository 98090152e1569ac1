package io.lionherd.concurrency;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link RetryPolicy}: lionherd-core's defaults and backoff formula.
 */
class RetryPolicyTests {

	@Test
	void defaultsAreLionherds() {
		RetryPolicy defaults = RetryPolicy.defaults();
		assertThat(defaults.maxAttempts()).isEqualTo(3);
		assertThat(defaults.baseDelay()).isEqualTo(Duration.ofMillis(100));
		assertThat(defaults.maxDelay()).isEqualTo(Duration.ofSeconds(2));
		assertThat(defaults.jitter()).isEqualTo(0.1);
	}

	@Test
	void defaultsRetryEveryExceptionButCancellationAndInterruption() {
		RetryPolicy defaults = RetryPolicy.defaults();
		assertThat(defaults.retries(new IOException())).isTrue();
		assertThat(defaults.retries(new TimeoutException())).isTrue();
		assertThat(defaults.retries(new IllegalStateException())).isTrue();
		assertThat(defaults.retries(new CancellationException())).isFalse();
		assertThat(defaults.retries(new InterruptedException())).isFalse();
		assertThat(defaults.retries(new Error())).isFalse();
		assertThat(defaults.retries(new OutOfMemoryError())).isFalse();
	}

	@Test
	void anExplicitRetryOnNeverRetriesCancellationOrInterruption() {
		RetryPolicy everything = RetryPolicy.builder().retryOn((failure) -> true).build();
		assertThat(everything.retries(new IOException())).isTrue();
		assertThat(everything.retries(new CancellationException())).isFalse();
		assertThat(everything.retries(new InterruptedException())).isFalse();
		assertThat(everything.retries(new IllegalStateException(new InterruptedException()))).isFalse();
		assertThat(everything.retries(new CompletionException(new CancellationException()))).isFalse();
	}

	@Test
	void retryOnTypesMatchTheFailureOrOneOfItsCauses() {
		RetryPolicy io = RetryPolicy.builder().retryOn(IOException.class, TimeoutException.class).build();
		assertThat(io.retries(new FileNotFoundException())).isTrue();
		assertThat(io.retries(new TimeoutException())).isTrue();
		assertThat(io.retries(new IllegalStateException(new UncheckedIOException(new IOException())))).isTrue();
		assertThat(io.retries(new IllegalStateException())).isFalse();
		assertThat(io.retries(new Error(new IllegalStateException()))).isFalse();
	}

	@Test
	void excludedTypesWinOverRetryOnAndMatchCausesToo() {
		RetryPolicy policy = RetryPolicy.builder()
			.retryOn(IOException.class)
			.exclude(FileNotFoundException.class)
			.build();
		assertThat(policy.retries(new IOException())).isTrue();
		assertThat(policy.retries(new FileNotFoundException())).isFalse();
		assertThat(policy.retries(new UncheckedIOException(new FileNotFoundException()))).isFalse();
	}

	@Test
	void excludeAloneKeepsTheDefaultRetryOn() {
		RetryPolicy policy = RetryPolicy.builder().exclude(IllegalArgumentException.class).build();
		assertThat(policy.retries(new IOException())).isTrue();
		assertThat(policy.retries(new IllegalArgumentException())).isFalse();
		assertThat(policy.retries(new NumberFormatException())).isFalse();
		assertThat(policy.retries(new CancellationException())).isFalse();
		assertThat(policy.retries(new Error())).isFalse();
	}

	@Test
	void aCycleOfCausesEnds() {
		IOException first = new IOException();
		IllegalStateException second = new IllegalStateException(first);
		first.initCause(second);
		assertThat(RetryPolicy.builder().retryOn(TimeoutException.class).build().retries(first)).isFalse();
		assertThat(RetryPolicy.builder().retryOn(IllegalStateException.class).build().retries(first)).isTrue();
	}

	@Test
	void backoffDoublesFromTheBaseDelayUpToTheMaxDelay() {
		RetryPolicy policy = RetryPolicy.builder().jitter(0).build();
		assertThat(policy.backoff(1, 0.5)).isEqualTo(Duration.ofMillis(100));
		assertThat(policy.backoff(2, 0.5)).isEqualTo(Duration.ofMillis(200));
		assertThat(policy.backoff(3, 0.5)).isEqualTo(Duration.ofMillis(400));
		assertThat(policy.backoff(5, 0.5)).isEqualTo(Duration.ofMillis(1600));
		assertThat(policy.backoff(6, 0.5)).isEqualTo(Duration.ofSeconds(2));
		assertThat(policy.backoff(1_000, 0.5)).isEqualTo(Duration.ofSeconds(2));
	}

	@Test
	void jitterStretchesTheWaitByUpToItsFraction() {
		RetryPolicy policy = RetryPolicy.defaults();
		assertThat(policy.backoff(1, 0)).isEqualTo(Duration.ofMillis(100));
		assertThat(policy.backoff(1, 0.5)).isEqualTo(Duration.ofMillis(105));
		assertThat(policy.backoff(2, 0.5)).isEqualTo(Duration.ofMillis(210));
		// lionherd applies jitter after the cap, so a wait may exceed maxDelay.
		assertThat(policy.backoff(10, 0.5)).isEqualTo(Duration.ofMillis(2100));
	}

	@Test
	void builderSetsEveryField() {
		RetryPolicy policy = RetryPolicy.builder()
			.maxAttempts(7)
			.baseDelay(Duration.ofMillis(5))
			.maxDelay(Duration.ofMillis(50))
			.jitter(1)
			.retryOn(IOException.class::isInstance)
			.build();
		assertThat(policy.maxAttempts()).isEqualTo(7);
		assertThat(policy.baseDelay()).isEqualTo(Duration.ofMillis(5));
		assertThat(policy.maxDelay()).isEqualTo(Duration.ofMillis(50));
		assertThat(policy.jitter()).isEqualTo(1);
		assertThat(policy.retries(new IOException())).isTrue();
		assertThat(policy.retries(new IllegalStateException())).isFalse();
	}

	@Test
	void badValuesAreRejectedNamingTheField() {
		assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
			.withMessageContaining("maxAttempts");
		assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.builder().baseDelay(Duration.ofMillis(-1)))
			.withMessageContaining("baseDelay");
		assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.builder().maxDelay(Duration.ofMillis(-1)))
			.withMessageContaining("maxDelay");
		assertThatIllegalArgumentException().isThrownBy(
				() -> RetryPolicy.builder().baseDelay(Duration.ofSeconds(3)).maxDelay(Duration.ofSeconds(2)).build())
			.withMessageContaining("maxDelay");
		assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.builder().jitter(1.5))
			.withMessageContaining("jitter");
		assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.builder().jitter(-0.1))
			.withMessageContaining("jitter");
		assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.builder().jitter(Double.NaN))
			.withMessageContaining("jitter");
		assertThatNullPointerException().isThrownBy(() -> RetryPolicy.builder().baseDelay(null))
			.withMessageContaining("baseDelay");
		assertThatNullPointerException().isThrownBy(() -> RetryPolicy.builder().retryOn((Predicate<Throwable>) null))
			.withMessageContaining("retryOn");
		assertThatNullPointerException().isThrownBy(() -> RetryPolicy.builder().retryOn(IOException.class, null))
			.withMessageContaining("retryOn[1]");
		assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.builder().retryOn(new Class[0]))
			.withMessageContaining("retryOn");
		assertThatNullPointerException().isThrownBy(() -> RetryPolicy.builder().exclude((Class<Throwable>) null))
			.withMessageContaining("exclude[0]");
	}

}
