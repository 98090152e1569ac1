package io.lionherd.concurrency;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.lionherd.concurrency.CapacityLimiter.Permit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The CapacityLimiter tests of lionherd-core ({@code khive-ai/lionherd-core},
 * {@code tests/libs/concurrency/test_primitives.py}) and of anyio, whose
 * {@code CapacityLimiter} lionherd-core's wraps ({@code agronholm/anyio},
 * {@code tests/test_synchronization.py}, class {@code TestCapacityLimiter}), ported to
 * {@link CapacityLimiter}. Each test names its original in a comment, and says how it was
 * adapted where Java's semantics differ. The common adaptations: a task's
 * {@code async with limiter} is a {@code try (Permit permit = limiter.acquire().join())}
 * or a continuation of {@code acquire()}; anyio's implicit borrower (the current task) is
 * an explicit {@code acquire(borrower)}; {@code release()} is {@link Permit#close()};
 * {@code acquire_nowait} is {@link CapacityLimiter#tryAcquire()}; a task cancelled while
 * waiting is a cancelled acquire future; {@code wait_all_tasks_blocked()} is not needed,
 * because waiting here holds no thread and is observable at once. Not ported, as Java has
 * no counterpart: anyio's {@code test_bad_init_type} (the total is an {@code int}),
 * {@code test_current_default_thread_limiter} (anyio's worker-thread limiter),
 * {@code test_total_tokens_as_kwarg} (keyword arguments), and lionherd-core's
 * {@code test_capacity_limiter_remaining_tokens_property} (a deprecated alias of
 * {@code available_tokens}) and {@code test_capacity_limiter_design_vs_semaphore} (a
 * docstring with no assertion).
 */
class CapacityLimiterPortedTests {

	private final ManualTime time = new ManualTime();

	private CapacityLimiter limiter(int total) {
		return CapacityLimiter.of(total, this.time, ManualTime.DIRECT);
	}

	// --- anyio tests/test_synchronization.py::TestCapacityLimiter

	@Test
	void badInitValue() {
		// test_bad_init_value: ValueError "total_tokens must be >= 0"; here
		// IllegalArgumentException, and 0 is refused too (see zeroTokens).
		assertThatIllegalArgumentException().isThrownBy(() -> CapacityLimiter.of(-1))
			.withMessage("total must be at least 1, but was -1");
	}

	@Test
	void zeroTokens() {
		// test_zero_tokens: anyio allows a total of 0 (nobody is ever granted);
		// lionherd-core's wrapper refuses it ("total_tokens must be > 0") and so do we.
		assertThatIllegalArgumentException().isThrownBy(() -> CapacityLimiter.of(0))
			.withMessage("total must be at least 1, but was 0");
	}

	@Test
	void borrow() {
		// test_borrow
		CapacityLimiter limiter = limiter(2);
		assertThat(limiter.total()).isEqualTo(2);
		assertThat(limiter.available()).isEqualTo(2);
		assertThat(limiter.borrowed()).isZero();
		try (Permit permit = limiter.acquire().join()) {
			assertThat(limiter.total()).isEqualTo(2);
			assertThat(limiter.available()).isOne();
			assertThat(limiter.borrowed()).isOne();
		}
	}

	@Test
	void limit() throws Exception {
		// test_limit: three tasks enter a one-token limiter five times each and never
		// find another inside; here three real threads, blocking on join.
		CapacityLimiter limiter = CapacityLimiter.of(1);
		AtomicInteger value = new AtomicInteger();
		AtomicBoolean overlapped = new AtomicBoolean();
		CountDownLatch start = new CountDownLatch(1);
		List<Thread> tasks = new ArrayList<>();
		for (int t = 0; t < 3; t++) {
			Thread task = new Thread(() -> {
				try {
					start.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
				for (int i = 0; i < 5; i++) {
					try (Permit permit = limiter.acquire().join()) {
						if (!value.compareAndSet(0, 1)) {
							overlapped.set(true);
						}
						Thread.yield();
						value.set(0);
					}
				}
			});
			tasks.add(task);
			task.start();
		}
		start.countDown();
		for (Thread task : tasks) {
			task.join(TimeUnit.SECONDS.toMillis(10));
		}
		assertThat(overlapped).isFalse();
		assertThat(limiter.borrowed()).isZero();
	}

	@Test
	void borrowTwice() {
		// test_borrow_twice: a second acquire by the task holding a token raises
		// RuntimeError "this borrower is already holding one of this CapacityLimiter's
		// tokens"; anyio's borrower is the current task, ours is explicit.
		CapacityLimiter limiter = limiter(1);
		Object task = new Object();
		limiter.acquire(task).join();
		assertThatIllegalStateException().isThrownBy(() -> limiter.acquire(task))
			.withMessageEndingWith("already holds or waits for a permit of this limiter");
	}

	@Test
	void badRelease() {
		// test_bad_release: release() without a token raises RuntimeError. A release
		// here is a Permit's close, so one cannot release what one does not hold; the
		// nearest case, releasing a second time, releases nothing (the contract makes a
		// second close a no-op rather than an error).
		CapacityLimiter limiter = limiter(2);
		Permit first = limiter.acquire().join();
		Permit second = limiter.acquire().join();
		first.close();
		first.close();
		assertThat(limiter.borrowed()).isOne();
		assertThat(limiter.available()).isOne();
		second.close();
		assertThat(limiter.available()).isEqualTo(2);
	}

	@Test
	void increaseTokens() {
		// test_increase_tokens: the setter's acquire succeeds only once the total is
		// raised while the waiter holds the only token.
		CapacityLimiter limiter = limiter(1);
		Permit waiterHolds = limiter.acquire().join();
		CompletableFuture<Permit> setter = limiter.acquire();
		assertThat(setter).isNotDone();
		limiter.setTotal(2);
		assertThat(setter).isCompleted();
		setter.join().close();
		waiterHolds.close();
	}

	@Test
	void statistics() {
		// test_statistics: total_tokens, borrowed_tokens, tasks_waiting
		CapacityLimiter limiter = limiter(1);
		assertThat(limiter.total()).isOne();
		assertThat(limiter.borrowed()).isZero();
		assertThat(limiter.waitingCount()).isZero();
		List<CompletableFuture<Void>> waiters = new ArrayList<>();
		try (Permit permit = limiter.acquire().join()) {
			assertThat(limiter.borrowed()).isOne();
			assertThat(limiter.waitingCount()).isZero();
			for (int i = 1; i < 3; i++) {
				waiters.add(limiter.acquire().thenAccept(Permit::close));
				assertThat(limiter.waitingCount()).isEqualTo(i);
			}
		}
		assertThat(waiters).allMatch(CompletableFuture::isDone);
		assertThat(limiter.waitingCount()).isZero();
		assertThat(limiter.borrowed()).isZero();
	}

	@Test
	void asyncioDeadlock() {
		// test_asyncio_deadlock (anyio #398): the first task is cancelled while it holds
		// the token; the second, waiting, must still get it. A task's work is a stage
		// whose completion, cancellation included, closes its permit.
		CapacityLimiter limiter = limiter(1);
		CompletableFuture<String> task1 = new CompletableFuture<>();
		limiter.acquire().thenAccept((permit) -> task1.whenComplete((result, error) -> permit.close()));
		CompletableFuture<Permit> task2 = limiter.acquire();
		task1.cancel(true);
		assertThat(task2).isCompleted();
		assertThat(limiter.borrowed()).isOne();
	}

	@Test
	void orderedQueue() {
		// test_ordered_queue
		CapacityLimiter limiter = limiter(1);
		List<Integer> results = new ArrayList<>();
		CompletableFuture<Void> event = new CompletableFuture<>();
		for (int i = 0; i < 3; i++) {
			int x = i;
			limiter.acquire()
				.thenAccept((permit) -> event.thenRun(() -> results.add(x)).whenComplete((r, e) -> permit.close()));
		}
		event.complete(null);
		assertThat(results).containsExactly(0, 1, 2);
	}

	@Test
	void increaseTokensLetsOthersAcquire() {
		// test_increase_tokens_lets_others_acquire
		CapacityLimiter limiter = limiter(1);
		CompletableFuture<Void> continueEvent = new CompletableFuture<>();
		List<AtomicBoolean> entered = List.of(new AtomicBoolean(), new AtomicBoolean(), new AtomicBoolean());
		for (AtomicBoolean event : entered.subList(0, 2)) {
			worker(limiter, event, continueEvent);
		}
		assertThat(entered).filteredOn(AtomicBoolean::get).hasSize(1);
		limiter.setTotal(3);
		worker(limiter, entered.get(2), continueEvent);
		assertThat(entered).allMatch(AtomicBoolean::get);
		continueEvent.complete(null);
		assertThat(limiter.borrowed()).isZero();
	}

	private static void worker(CapacityLimiter limiter, AtomicBoolean entered, CompletableFuture<Void> continueEvent) {
		limiter.acquire().thenAccept((permit) -> {
			entered.set(true);
			continueEvent.whenComplete((r, e) -> permit.close());
		});
	}

	@Test
	void instantiateOutsideEventLoop() {
		// test_instantiate_outside_event_loop: the total set before any use holds; its
		// TypeError cases (a str, a float) cannot be written in Java. There is no event
		// loop to be outside of: any thread may use a limiter at any time.
		CapacityLimiter limiter = limiter(1);
		limiter.setTotal(2);
		assertThat(limiter.total()).isEqualTo(2);
		assertThat(limiter.borrowed()).isZero();
		assertThat(limiter.waitingCount()).isZero();
		limiter.acquire().join().close();
		assertThat(limiter.borrowed()).isZero();
	}

	@Test
	void zeroTokensOutsideEventLoop() {
		// test_zero_tokens_outside_event_loop: anyio accepts a total set to 0;
		// lionherd-core's setter refuses it and so do we, leaving the total unchanged.
		CapacityLimiter limiter = limiter(1);
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.setTotal(0))
			.withMessage("total must be at least 1, but was 0");
		assertThat(limiter.total()).isOne();
	}

	@Test
	void floatInfinityOutsideEventLoop() {
		// test_float_infinity_outside_event_loop: a total of math.inf; an int total has
		// no infinity, Integer.MAX_VALUE stands for "unbounded" and works as a total.
		CapacityLimiter limiter = CapacityLimiter.of(Integer.MAX_VALUE);
		assertThat(limiter.total()).isEqualTo(Integer.MAX_VALUE);
		Permit permit = limiter.tryAcquire().orElseThrow();
		assertThat(limiter.available()).isEqualTo(Integer.MAX_VALUE - 1);
		permit.close();
		CapacityLimiter raised = limiter(1);
		raised.setTotal(Integer.MAX_VALUE);
		assertThat(raised.total()).isEqualTo(Integer.MAX_VALUE);
	}

	@Test
	void acquireCancelled() {
		// test_acquire_cancelled (anyio #947): of two waiting borrowers the first is
		// cancelled; when the holder releases, the second must get the token.
		CapacityLimiter limiter = limiter(1);
		Permit holder = limiter.acquire().join();
		CompletableFuture<Permit> borrower1 = limiter.acquire();
		CompletableFuture<Permit> borrower2 = limiter.acquire();
		borrower1.cancel(true);
		holder.close();
		assertThat(borrower2).isCompleted();
		assertThat(limiter.borrowed()).isOne();
	}

	@Test
	void acquireNowait() {
		// test_acquire_nowait: WouldBlock is an empty Optional.
		CapacityLimiter limiter = limiter(1);
		assertThat(limiter.tryAcquire()).isPresent();
		assertThat(limiter.tryAcquire()).isEmpty();
	}

	@Test
	void acquireOnBehalfOfNowait() {
		// test_acquire_on_behalf_of_nowait: there is no non-waiting acquire on behalf
		// of a borrower; the second borrower's acquire waits instead of raising
		// WouldBlock.
		CapacityLimiter limiter = limiter(1);
		Object borrower1 = new Object();
		Object borrower2 = new Object();
		limiter.acquire(borrower1).join();
		assertThat(limiter.acquire(borrower2)).isNotDone();
		assertThat(limiter.waitingCount()).isOne();
	}

	@Test
	void nowaitAcquireAfterReleaseDoesNotOversubscribe() {
		// test_nowait_acquire_after_release_does_not_oversubscribe (anyio #1170): the
		// token released by A is reserved for the waiting B before B resumes, so a
		// non-waiting acquire in that window fails. The window here: a release inside a
		// grant's continuation decides B's grant at once but completes it only after the
		// continuation returns.
		CapacityLimiter limiter = limiter(1);
		Permit outer = limiter.acquire().join();
		CompletableFuture<Permit> a = limiter.acquire("A");
		CompletableFuture<Permit> b = limiter.acquire("B");
		AtomicReference<Optional<Permit>> x = new AtomicReference<>();
		AtomicBoolean bResumedInWindow = new AtomicBoolean(true);
		a.thenAccept((permitA) -> {
			permitA.close();
			bResumedInWindow.set(b.isDone());
			x.set(limiter.tryAcquire());
		});
		outer.close();
		assertThat(bResumedInWindow).isFalse();
		assertThat(x.get()).isEmpty();
		assertThat(b).isCompleted();
		assertThat(limiter.borrowed()).isLessThanOrEqualTo(limiter.total());
		assertThat(limiter.available()).isZero();
		b.join().close();
		assertThat(limiter.borrowed()).isZero();
	}

	// --- lionherd-core tests/libs/concurrency/test_primitives.py

	@Test
	void capacityLimiterOneToken() throws Exception {
		// test_capacity_limiter_one_token: five workers through a one-token limiter,
		// at most one inside at once; here five real threads.
		CapacityLimiter lim = CapacityLimiter.of(1);
		AtomicInteger entered = new AtomicInteger();
		AtomicInteger maxConc = new AtomicInteger();
		List<Thread> workers = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			Thread w = new Thread(() -> {
				Permit permit = lim.acquire().join();
				maxConc.accumulateAndGet(entered.incrementAndGet(), Math::max);
				Thread.yield();
				entered.decrementAndGet();
				permit.close();
			});
			workers.add(w);
			w.start();
		}
		for (Thread w : workers) {
			w.join(TimeUnit.SECONDS.toMillis(10));
		}
		assertThat(maxConc).hasValue(1);
	}

	@Test
	void capacityLimiterDynamicAdjustment() {
		// test_capacity_limiter_dynamic_adjustment
		CapacityLimiter limiter = limiter(2);
		assertThat(limiter.total()).isEqualTo(2);
		assertThat(limiter.available()).isEqualTo(2);
		assertThat(limiter.borrowed()).isZero();
		try (Permit permit = limiter.acquire().join()) {
			assertThat(limiter.available()).isOne();
			assertThat(limiter.borrowed()).isOne();
			limiter.setTotal(4);
			assertThat(limiter.available()).isEqualTo(3);
			assertThat(limiter.borrowed()).isOne();
		}
		assertThat(limiter.available()).isEqualTo(4);
		assertThat(limiter.borrowed()).isZero();
		List<Boolean> tokensHeld = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			try (Permit permit = limiter.acquire().join()) {
				tokensHeld.add(true);
			}
		}
		assertThat(tokensHeld).hasSize(3);
		assertThat(limiter.borrowed()).isZero();
		assertThat(limiter.available()).isEqualTo(4);
	}

	@Test
	void capacityLimiterIsAsyncContextManager() {
		// test_capacity_limiter_is_async_context_manager: try-with-resources on the
		// Permit.
		CapacityLimiter lim = limiter(2);
		try (Permit permit = lim.acquire().join()) {
			assertThat(lim.borrowed()).isOne();
			assertThat(lim.available()).isOne();
		}
		assertThat(lim.borrowed()).isZero();
		assertThat(lim.available()).isEqualTo(2);
	}

	@Test
	void capacityLimiterInvalidTotalTokens() {
		// test_capacity_limiter_invalid_total_tokens: ValueError "total_tokens must be
		// > 0".
		assertThatIllegalArgumentException().isThrownBy(() -> CapacityLimiter.of(0))
			.withMessage("total must be at least 1, but was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> CapacityLimiter.of(-1))
			.withMessage("total must be at least 1, but was -1");
	}

	@Test
	void capacityLimiterInvalidTotalTokensSetter() {
		// test_capacity_limiter_invalid_total_tokens_setter
		CapacityLimiter limiter = limiter(5);
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.setTotal(0))
			.withMessage("total must be at least 1, but was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.setTotal(-1))
			.withMessage("total must be at least 1, but was -1");
		assertThat(limiter.total()).isEqualTo(5);
	}

	@Test
	void capacityLimiterAcquireOnBehalfOf() {
		// test_capacity_limiter_acquire_on_behalf_of: release_on_behalf_of is the
		// borrower's Permit's close.
		CapacityLimiter limiter = limiter(2);
		Object borrower = new Object();
		assertThat(limiter.available()).isEqualTo(2);
		assertThat(limiter.borrowed()).isZero();
		Permit permit = limiter.acquire(borrower).join();
		assertThat(limiter.borrowed()).isOne();
		assertThat(limiter.available()).isOne();
		permit.close();
		assertThat(limiter.borrowed()).isZero();
		assertThat(limiter.available()).isEqualTo(2);
	}

	@Test
	void capacityLimiterReleaseOnBehalfOf() {
		// test_capacity_limiter_release_on_behalf_of
		CapacityLimiter limiter = limiter(3);
		Object borrower1 = new Object();
		Object borrower2 = new Object();
		Permit permit1 = limiter.acquire(borrower1).join();
		assertThat(limiter.borrowed()).isOne();
		Permit permit2 = limiter.acquire(borrower2).join();
		assertThat(limiter.borrowed()).isEqualTo(2);
		permit1.close();
		assertThat(limiter.borrowed()).isOne();
		permit2.close();
		assertThat(limiter.borrowed()).isZero();
	}

}
