package io.lionherd.concurrency;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for the public {@link Stages} helpers: {@link Stages#unwrap} and
 * {@link Stages#relay}.
 */
class StagesTests {

	@Test
	void unwrapStripsEveryCompletionAndExecutionExceptionToTheCause() {
		IOException cause = new IOException("reset");
		Throwable wrapped = new CompletionException(new ExecutionException(new CompletionException(cause)));
		assertThat(Stages.unwrap(wrapped)).isSameAs(cause);
	}

	@Test
	void unwrapKeepsAWrapperWithoutACause() {
		CompletionException alone = new CompletionException("no cause", null);
		assertThat(Stages.unwrap(alone)).isSameAs(alone);
	}

	@Test
	void unwrapReturnsAnyOtherFailureItself() {
		IllegalStateException failure = new IllegalStateException("x", new CompletionException(new IOException()));
		assertThat(Stages.unwrap(failure)).isSameAs(failure);
	}

	@Test
	void unwrapRejectsNullNamingTheArgument() {
		assertThatNullPointerException().isThrownBy(() -> Stages.unwrap(null)).withMessageContaining("error");
	}

	@Test
	void relayCompletesTheFutureWithTheStagesValue() {
		CompletableFuture<String> from = new CompletableFuture<>();
		CompletableFuture<String> to = Stages.relay(from, new CompletableFuture<>());
		from.complete("done");
		assertThat(to).isCompletedWithValue("done");
	}

	@Test
	void relayFailsTheFutureWithTheStagesOwnFailureUnwrapped() {
		IOException failure = new IOException("reset");
		CompletableFuture<String> to = Stages.relay(
				CompletableFuture.<String>failedFuture(failure).thenApply((value) -> value), new CompletableFuture<>());
		assertThat(to.handle((value, error) -> error).join()).isSameAs(failure);
	}

	@Test
	void cancellingTheFutureCancelsTheStage() {
		CompletableFuture<String> from = new CompletableFuture<>();
		CompletableFuture<String> to = Stages.relay(from, new CompletableFuture<>());
		to.cancel(true);
		assertThat(from).isCancelled();
	}

}
