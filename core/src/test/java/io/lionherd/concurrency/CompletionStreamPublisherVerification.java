package io.lionherd.concurrency;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;

import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;

/**
 * The Reactive Streams TCK (a TestNG class) over {@link CompletionStream#publisher()}:
 * run by {@link CompletionStreamPublisherTckTests}. Bodies alternate between stages
 * already complete and {@code runSync} tasks on a small pool, so elements arrive both
 * inline and from other threads.
 */
public class CompletionStreamPublisherVerification extends FlowPublisherVerification<Completed<Integer>> {

	private final ExecutorService executor = Executors.newFixedThreadPool(2);

	private final AsyncUtils async = AsyncUtils.create(this.executor);

	public CompletionStreamPublisherVerification() {
		// Signals within 2 s, none within 50 ms when none are expected; expected errors
		// polled every 10 ms.
		super(new TestEnvironment(2_000, 50, 10));
	}

	@Override
	public Flow.Publisher<Completed<Integer>> createFlowPublisher(long elements) {
		List<AsyncCallable<Integer>> bodies = new ArrayList<>();
		for (int i = 0; i < elements; i++) {
			int x = i;
			bodies.add((x % 2 == 0) ? () -> CompletableFuture.completedFuture(x) : () -> this.async.runSync(() -> x));
		}
		return this.async.completionStream(bodies, 4).publisher();
	}

	@Override
	public Flow.Publisher<Completed<Integer>> createFailedFlowPublisher() {
		List<AsyncCallable<Integer>> bodies = List
			.of(() -> CompletableFuture.failedFuture(new IllegalStateException("failed body")));
		return this.async.completionStream(bodies, 1).publisher();
	}

	@Override
	public long maxElementsFromPublisher() {
		// The stream holds its bodies: no publisher of Long.MAX_VALUE elements.
		return 1_024;
	}

	@AfterClass
	public void shutdown() {
		this.executor.shutdownNow();
	}

}
