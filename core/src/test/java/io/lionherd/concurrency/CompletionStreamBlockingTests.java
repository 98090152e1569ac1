package io.lionherd.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link CompletionStream#stream()}, the blocking view meant for virtual
 * threads.
 */
class CompletionStreamBlockingTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final ExecutorService executor = Executors.newFixedThreadPool(4);

	private final AsyncUtils async = AsyncUtils.create(this.executor);

	@AfterEach
	void shutdown() throws InterruptedException {
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	private static List<AsyncCallable<Integer>> manual(int n, List<CompletableFuture<Integer>> calls) {
		List<AsyncCallable<Integer>> bodies = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			bodies.add(() -> {
				CompletableFuture<Integer> call = new CompletableFuture<>();
				calls.add(call);
				return call;
			});
		}
		return bodies;
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21, disabledReason = "virtual threads need Java 21+")
	void streamOnAVirtualThreadYieldsInCompletionOrder() throws Exception {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletionStream<Integer> stream = this.async.completionStream(manual(3, calls), 3);
		ExecutorService virtual = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
			.invoke(null);
		try {
			AtomicReference<Boolean> onVirtualThread = new AtomicReference<>();
			Future<List<Integer>> read = virtual.submit(() -> {
				onVirtualThread.set((Boolean) Thread.class.getMethod("isVirtual").invoke(Thread.currentThread()));
				try (Stream<Completed<Integer>> completions = stream.stream()) {
					return completions.map(Completed::index).collect(Collectors.toList());
				}
			});
			calls.get(2).complete(2);
			calls.get(0).complete(0);
			calls.get(1).complete(1);
			assertThat(read.get(WAIT.toSeconds(), TimeUnit.SECONDS)).containsExactly(2, 0, 1);
			assertThat(onVirtualThread.get()).isTrue();
		}
		finally {
			virtual.shutdownNow();
		}
	}

	@Test
	void closingTheStreamClosesTheCompletionStream() {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletionStream<Integer> stream = this.async.completionStream(manual(10, calls), 3);
		calls.get(1).complete(1);
		try (Stream<Completed<Integer>> completions = stream.stream()) {
			assertThat(completions.limit(1).map(Completed::value)).containsExactly(1);
		}
		assertThat(calls).hasSize(4)
			.filteredOn((call) -> call != calls.get(1))
			.allSatisfy((call) -> assertThat(call).isCancelled());
	}

	@Test
	void aFailureIsThrownAsTheBodysOwnUncheckedExceptionOrWrappedIfChecked() {
		IllegalStateException boom = new IllegalStateException("boom");
		CompletionStream<Integer> failing = this.async
			.completionStream(List.of(() -> CompletableFuture.failedFuture(boom)), 1);
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> failing.stream().count())
			.isSameAs(boom);
		Exception checked = new Exception("checked");
		CompletionStream<Integer> failingChecked = this.async
			.completionStream(List.of(() -> CompletableFuture.failedFuture(checked)), 1);
		assertThatExceptionOfType(CompletionException.class).isThrownBy(() -> failingChecked.stream().count())
			.havingCause()
			.isSameAs(checked);
	}

	@Test
	void anInterruptWhileWaitingClosesTheStreamAndKeepsTheInterrupt() throws Exception {
		List<CompletableFuture<Integer>> calls = new CopyOnWriteArrayList<>();
		CompletionStream<Integer> stream = this.async.completionStream(manual(2, calls), 2);
		AtomicReference<Throwable> thrown = new AtomicReference<>();
		AtomicReference<Boolean> interrupted = new AtomicReference<>();
		Thread reader = new Thread(() -> {
			try {
				stream.stream().count();
			}
			catch (RuntimeException ex) {
				thrown.set(ex);
				interrupted.set(Thread.currentThread().isInterrupted());
			}
		});
		reader.start();
		await().atMost(WAIT).until(() -> reader.getState() == Thread.State.WAITING);
		reader.interrupt();
		reader.join(WAIT.toMillis());
		assertThat(thrown.get()).isInstanceOf(CancellationException.class);
		assertThat(interrupted.get()).isTrue();
		assertThat(calls).allSatisfy((call) -> assertThat(call).isCancelled());
	}

}
