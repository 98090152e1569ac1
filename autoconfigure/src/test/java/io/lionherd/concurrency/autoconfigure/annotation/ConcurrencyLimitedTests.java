package io.lionherd.concurrency.autoconfigure.annotation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.annotation.ConcurrencyLimited;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;
import io.lionherd.concurrency.autoconfigure.AsyncUtilsBuilderCustomizer;
import io.lionherd.concurrency.autoconfigure.LionherdAnnotationsAutoConfiguration;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyAutoConfiguration;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitExceededException;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConcurrencyLimited @ConcurrencyLimited} as
 * {@link LionherdAnnotationsAutoConfiguration} applies it: at most {@code total} calls
 * run at once, each holding its permit exactly while it runs, nested inside
 * {@code @RateLimited} and {@code @Retry}.
 */
class ConcurrencyLimitedTests {

	/**
	 * A thread per blocking caller: the common pool may have one thread (two cores),
	 * which the first caller held on the gate would keep from the others, and from later
	 * tests.
	 */
	private final ExecutorService callers = Executors.newCachedThreadPool();

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
				LionherdAnnotationsAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(ManualClockConfiguration.class)
		.withPropertyValues("lionherd.concurrency.capacity-limiters.two.total=2",
				"lionherd.concurrency.capacity-limiters.single.total=1",
				"lionherd.concurrency.capacity-limiters.strict.total=1",
				"lionherd.concurrency.capacity-limiters.strict.timeout=0s",
				"lionherd.concurrency.capacity-limiters.timed.total=1",
				"lionherd.concurrency.capacity-limiters.timed.timeout=1s",
				"lionherd.concurrency.rate-limiters.counted.max-calls=1",
				"lionherd.concurrency.rate-limiters.counted.period=1s",
				"lionherd.concurrency.retries.flaky.max-attempts=3",
				"lionherd.concurrency.retries.flaky.base-delay=100ms",
				"lionherd.concurrency.retries.flaky.max-delay=1s", "lionherd.concurrency.retries.flaky.jitter=0");

	// --- blocking methods

	@AfterEach
	void stopCallers() {
		this.callers.shutdownNow();
	}

	@Test
	void blockingCallsBeyondTheTotalWaitUntilARunningOneReturns() throws Exception {
		this.contextRunner.withBean(BlockingService.class).run((context) -> {
			BlockingService service = context.getBean(BlockingService.class);
			assertThat(AopUtils.isAopProxy(service)).isTrue();
			List<CompletableFuture<String>> calls = Stream
				.generate(() -> CompletableFuture.supplyAsync(service::held, this.callers))
				.limit(3)
				.toList();
			await().atMost(WAIT).until(() -> limit(context, "two").waitingCount() == 1);
			assertThat(service.started().get()).isEqualTo(2);
			assertThat(limit(context, "two").inUse()).isEqualTo(2);
			service.gate().countDown();
			assertThat(CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))).succeedsWithin(WAIT);
			assertThat(service.started().get()).isEqualTo(3);
			assertThat(service.maxRunning().get()).isEqualTo(2);
			assertThat(limit(context, "two").inUse()).isZero();
		});
	}

	@Test
	void blockingCallWithoutPermitInTimeThrowsConcurrencyLimitExceededNamingTheLimit() {
		this.contextRunner.withBean(BlockingService.class).run((context) -> {
			BlockingService service = context.getBean(BlockingService.class);
			CompletableFuture<String> running = CompletableFuture.supplyAsync(service::strict, this.callers);
			await().atMost(WAIT).until(() -> service.started().get() == 1);
			assertThatExceptionOfType(ConcurrencyLimitExceededException.class).isThrownBy(service::strict)
				.satisfies((ex) -> assertThat(ex.name()).isEqualTo("strict"));
			assertThat(service.started().get()).isOne();
			service.gate().countDown();
			assertThat(running).succeedsWithin(WAIT);
		});
	}

	@Test
	void blockingMethodThatThrowsReleasesItsPermitAndThrowsItsOwnException() {
		this.contextRunner.withBean(BlockingService.class).run((context) -> {
			BlockingService service = context.getBean(BlockingService.class);
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(service::failing).withMessage("boom");
			assertThat(limit(context, "strict").inUse()).isZero();
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(service::failing).withMessage("boom");
		});
	}

	@Test
	void timeoutAttributeReplacesTheLimitsTimeout() {
		this.contextRunner.withBean(BlockingService.class).run((context) -> {
			BlockingService service = context.getBean(BlockingService.class);
			CapacityLimiter.Permit held = limit(context, "single").acquire().join();
			assertThatExceptionOfType(ConcurrencyLimitExceededException.class).isThrownBy(service::impatient);
			held.close();
			assertThat(service.impatient()).isEqualTo("done");
		});
	}

	@Test
	void classLevelAnnotationLimitsEveryPublicMethod() {
		this.contextRunner.withBean(LimitedClass.class).run((context) -> {
			LimitedClass service = context.getBean(LimitedClass.class);
			CapacityLimiter.Permit held = limit(context, "strict").acquire().join();
			assertThatExceptionOfType(ConcurrencyLimitExceededException.class).isThrownBy(service::work);
			held.close();
			assertThat(service.work()).isEqualTo("worked");
		});
	}

	// --- CompletionStage methods

	@Test
	void asyncMethodReturnsAtOnceAndIsInvokedWhenARunningStageCompletes() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			CompletableFuture<String> first = service.call();
			CompletableFuture<String> second = service.call();
			assertThat(service.stages()).hasSize(1);
			assertThat(second).isNotDone();
			assertThat(limit(context, "single").waitingCount()).isOne();
			service.stages().get(0).complete("first");
			assertThat(first).isCompletedWithValue("first");
			assertThat(service.stages()).hasSize(2);
			assertThat(limit(context, "single").inUse()).isOne();
			service.stages().get(1).complete("second");
			assertThat(second).isCompletedWithValue("second");
			assertThat(limit(context, "single").inUse()).isZero();
		});
	}

	@Test
	void failedStageReleasesItsPermit() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			CompletableFuture<String> first = service.call();
			service.stages().get(0).completeExceptionally(new IllegalStateException("boom"));
			assertThat(first).isCompletedExceptionally();
			assertThat(limit(context, "single").inUse()).isZero();
		});
	}

	@Test
	void methodThrowingBeforeItsStageFailsTheFutureAndReleasesItsPermit() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			assertThat(service.throwing()).failsWithin(WAIT)
				.withThrowableOfType(ExecutionException.class)
				.withCauseInstanceOf(IllegalStateException.class);
			assertThat(limit(context, "single").inUse()).isZero();
		});
	}

	@Test
	void cancellingARunningCallReleasesItsPermit() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			CompletableFuture<String> running = service.call();
			assertThat(running.cancel(true)).isTrue();
			assertThat(limit(context, "single").inUse()).isZero();
		});
	}

	@Test
	void cancellingAWaitingCallGivesUpItsPlaceAndNeverInvokesTheMethod() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			service.call();
			CompletableFuture<String> waiting = service.call();
			assertThat(waiting.cancel(true)).isTrue();
			assertThat(limit(context, "single").waitingCount()).isZero();
			service.stages().get(0).complete("first");
			assertThat(service.stages()).hasSize(1);
			assertThat(limit(context, "single").inUse()).isZero();
		});
	}

	@Test
	void asyncCallWithoutPermitInTimeFailsWithConcurrencyLimitExceededAndIsNeverInvoked() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			service.timed();
			CompletableFuture<String> waiting = service.timed().toCompletableFuture();
			time(context).advance(Duration.ofMillis(999));
			assertThat(waiting).isNotDone();
			time(context).advance(Duration.ofMillis(1));
			assertThat(waiting).failsWithin(WAIT)
				.withThrowableOfType(ExecutionException.class)
				.withCauseInstanceOf(ConcurrencyLimitExceededException.class);
			assertThat(service.stages()).hasSize(1);
		});
	}

	@Test
	void asyncMethodPermittedLaterRunsInTheCallersContext() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			service.call();
			MDC.put("requestId", "r-1");
			CompletableFuture<String> later;
			try {
				later = service.call();
			}
			finally {
				MDC.clear();
			}
			// released on this thread, whose own context is not the caller's any more
			service.stages().get(0).complete("first");
			assertThat(service.requestIds()).containsExactly("none", "r-1");
			assertThat(later).isNotDone();
			assertThat(MDC.get("requestId")).isNull();
		});
	}

	@Test
	void asyncAnnotatedMethodWaitsOnTheAsyncExecutorAndHoldsItsPermitUntilItsStageCompletes() {
		this.contextRunner.withUserConfiguration(AsyncConfiguration.class).run((context) -> {
			SpringAsyncService service = context.getBean(SpringAsyncService.class);
			CompletableFuture<String> first = service.call();
			await().atMost(WAIT).until(() -> service.stages().size() == 1);
			assertThat(service.threads()).singleElement().asString().startsWith("async-");
			CompletableFuture<String> second = service.call();
			await().atMost(WAIT).until(() -> limit(context, "single").waitingCount() == 1);
			assertThat(service.stages()).hasSize(1);
			service.stages().get(0).complete("first");
			assertThat(first).succeedsWithin(WAIT).isEqualTo("first");
			await().atMost(WAIT).until(() -> service.stages().size() == 2);
			assertThat(limit(context, "single").inUse()).isOne();
			service.stages().get(1).complete("second");
			assertThat(second).succeedsWithin(WAIT).isEqualTo("second");
			await().atMost(WAIT).until(() -> limit(context, "single").inUse() == 0);
		});
	}

	// --- nesting: @Monitored ( @Retry ( @RateLimited ( @ConcurrencyLimited ( method ) )
	// ) )

	@Test
	void asyncCallWaitingForARateLimitPermitHoldsNoConcurrencyPermit() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			service.rateLimited();
			service.stages().get(0).complete("first");
			CompletableFuture<String> second = service.rateLimited();
			assertThat(rateLimiter(context, "counted").waitingCount()).isOne();
			assertThat(limit(context, "single").inUse()).isZero();
			// taken by someone else meanwhile: the second call then waits for it
			CapacityLimiter.Permit other = limit(context, "single").acquire().join();
			time(context).advance(Duration.ofSeconds(1));
			assertThat(rateLimiter(context, "counted").waitingCount()).isZero();
			assertThat(limit(context, "single").waitingCount()).isOne();
			assertThat(service.stages()).hasSize(1);
			other.close();
			assertThat(service.stages()).hasSize(2);
			service.stages().get(1).complete("second");
			assertThat(second).isCompletedWithValue("second");
			assertThat(limit(context, "single").inUse()).isZero();
		});
	}

	@Test
	void blockingCallWaitingForARateLimitPermitHoldsNoConcurrencyPermit() {
		this.contextRunner.withBean(BlockingService.class).run((context) -> {
			BlockingService service = context.getBean(BlockingService.class);
			assertThat(service.rateLimited()).isEqualTo("done");
			CompletableFuture<String> second = CompletableFuture.supplyAsync(service::rateLimited, this.callers);
			await().atMost(WAIT).until(() -> rateLimiter(context, "counted").waitingCount() == 1);
			assertThat(limit(context, "single").inUse()).isZero();
			time(context).advance(Duration.ofSeconds(1));
			assertThat(second).succeedsWithin(WAIT).isEqualTo("done");
			assertThat(limit(context, "single").inUse()).isZero();
		});
	}

	@Test
	void eachRetryAttemptHoldsItsOwnPermitOnlyWhileItRuns() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			CompletableFuture<String> retried = service.retried();
			assertThat(service.inUseSeen()).containsExactly(1);
			assertThat(limit(context, "single").inUse()).as("between attempts").isZero();
			time(context).advance(Duration.ofMillis(100));
			assertThat(service.inUseSeen()).containsExactly(1, 1);
			assertThat(limit(context, "single").inUse()).as("between attempts").isZero();
			time(context).advance(Duration.ofMillis(200));
			assertThat(retried).isCompletedWithValue("third");
			assertThat(service.inUseSeen()).containsExactly(1, 1, 1);
			assertThat(limit(context, "single").inUse()).isZero();
		});
	}

	// --- startup checks

	@Test
	void unknownLimitStopsStartupNamingBeanMethodLimitAndWhereToConfigureIt() {
		this.contextRunner.withBean("unknownLimitService", UnknownLimit.class)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("bean 'unknownLimitService'")
				.hasMessageContaining("UnknownLimit.call()")
				.hasMessageContaining("@ConcurrencyLimited names the unknown concurrency limit 'nope'")
				.hasMessageContaining("[two, single, strict, timed]")
				.hasMessageContaining("configure it under lionherd.concurrency.capacity-limiters.nope"));
	}

	@Test
	void malformedTimeoutStopsStartupNamingBeanMethodAndValue() {
		this.contextRunner.withBean("malformedTimeoutService", MalformedTimeout.class)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("bean 'malformedTimeoutService'")
				.hasMessageContaining("MalformedTimeout.call()")
				.hasMessageContaining("@ConcurrencyLimited has the malformed timeout 'soon'")
				.hasMessageContaining("or empty for the limit's own"));
	}

	@Test
	void negativeTimeoutStopsStartupNamingBeanMethodAndValue() {
		this.contextRunner.withBean("negativeTimeoutService", NegativeTimeout.class)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("bean 'negativeTimeoutService'")
				.hasMessageContaining("NegativeTimeout.call()")
				.hasMessageContaining("@ConcurrencyLimited has the negative timeout '-1s'"));
	}

	@Test
	void unsupportedReturnTypeStopsStartupNamingBeanMethodAndType() {
		this.contextRunner.withBean("streamService", LimitedStream.class)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("bean 'streamService'")
				.hasMessageContaining("LimitedStream.call()")
				.hasMessageContaining("@ConcurrencyLimited cannot handle the return type "
						+ "java.util.stream.Stream<java.lang.String>")
				.hasMessageContaining("Supported return types: "));
	}

	@Test
	void completionStageSubtypeOtherThanCompletableFutureStopsStartup() {
		this.contextRunner.withBean("subtypeService", LimitedSubtype.class)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("bean 'subtypeService'")
				.hasMessageContaining("LimitedSubtype.call()")
				.hasMessageContaining("@ConcurrencyLimited on a method returning a CompletionStage needs it declared "
						+ "as CompletionStage or CompletableFuture, not " + OwnFuture.class.getName()));
	}

	@Test
	void placeholderInTheNameIsResolved() {
		this.contextRunner.withPropertyValues("sample.limit=strict")
			.withBean(PlaceholderService.class)
			.run((context) -> {
				CapacityLimiter.Permit held = limit(context, "strict").acquire().join();
				assertThatExceptionOfType(ConcurrencyLimitExceededException.class)
					.isThrownBy(context.getBean(PlaceholderService.class)::call);
				held.close();
			});
	}

	private static ConcurrencyLimit limit(AssertableApplicationContext context, String name) {
		return context.getBean(ConcurrencyLimitRegistry.class).get(name);
	}

	private static RateLimiter rateLimiter(AssertableApplicationContext context, String name) {
		return context.getBean(RateLimiterRegistry.class).get(name);
	}

	private static ManualTime time(AssertableApplicationContext context) {
		return context.getBean(ManualTime.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class ManualClockConfiguration {

		@Bean
		ManualTime manualTime() {
			return new ManualTime();
		}

		@Bean
		AsyncUtilsBuilderCustomizer manualClock(ManualTime time) {
			return time::configure;
		}

	}

	public static class BlockingService {

		final AtomicInteger started = new AtomicInteger();

		final AtomicInteger running = new AtomicInteger();

		final AtomicInteger maxRunning = new AtomicInteger();

		final CountDownLatch gate = new CountDownLatch(1);

		public AtomicInteger started() {
			return this.started;
		}

		public AtomicInteger maxRunning() {
			return this.maxRunning;
		}

		public CountDownLatch gate() {
			return this.gate;
		}

		@ConcurrencyLimited("two")
		public String held() {
			return run();
		}

		@ConcurrencyLimited("strict")
		public String strict() {
			return run();
		}

		@ConcurrencyLimited("strict")
		public String failing() {
			throw new IllegalStateException("boom");
		}

		@ConcurrencyLimited(value = "single", timeout = "0")
		public String impatient() {
			return "done";
		}

		@RateLimited("counted")
		@ConcurrencyLimited("single")
		public String rateLimited() {
			return "done";
		}

		private String run() {
			this.started.incrementAndGet();
			this.maxRunning.accumulateAndGet(this.running.incrementAndGet(), Math::max);
			try {
				this.gate.await();
				return "done";
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			finally {
				this.running.decrementAndGet();
			}
		}

	}

	public static class AsyncService {

		final List<CompletableFuture<String>> stages = new CopyOnWriteArrayList<>();

		final List<String> requestIds = new CopyOnWriteArrayList<>();

		final List<Integer> inUseSeen = new CopyOnWriteArrayList<>();

		private final ConcurrencyLimitRegistry limits;

		public AsyncService(ConcurrencyLimitRegistry limits) {
			this.limits = limits;
		}

		public List<CompletableFuture<String>> stages() {
			return this.stages;
		}

		public List<String> requestIds() {
			return this.requestIds;
		}

		public List<Integer> inUseSeen() {
			return this.inUseSeen;
		}

		@ConcurrencyLimited("single")
		public CompletableFuture<String> call() {
			String requestId = MDC.get("requestId");
			this.requestIds.add((requestId != null) ? requestId : "none");
			return stage();
		}

		@ConcurrencyLimited("single")
		public CompletableFuture<String> throwing() {
			throw new IllegalStateException("before the stage");
		}

		@ConcurrencyLimited("timed")
		public CompletionStage<String> timed() {
			return stage();
		}

		@RateLimited("counted")
		@ConcurrencyLimited("single")
		public CompletableFuture<String> rateLimited() {
			return stage();
		}

		@Retry("flaky")
		@ConcurrencyLimited("single")
		public CompletableFuture<String> retried() {
			this.inUseSeen.add(this.limits.get("single").inUse());
			return switch (this.inUseSeen.size()) {
				case 1, 2 -> CompletableFuture.failedFuture(new IllegalStateException("attempt failed"));
				default -> CompletableFuture.completedFuture("third");
			};
		}

		private CompletableFuture<String> stage() {
			CompletableFuture<String> stage = new CompletableFuture<>();
			this.stages.add(stage);
			return stage;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class AsyncConfiguration {

		@Bean
		ThreadPoolTaskExecutor taskExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setThreadNamePrefix("async-");
			executor.setCorePoolSize(4);
			return executor;
		}

		@Bean
		SpringAsyncService springAsyncService() {
			return new SpringAsyncService();
		}

	}

	public static class SpringAsyncService {

		final List<CompletableFuture<String>> stages = new CopyOnWriteArrayList<>();

		final List<String> threads = new CopyOnWriteArrayList<>();

		public List<CompletableFuture<String>> stages() {
			return this.stages;
		}

		public List<String> threads() {
			return this.threads;
		}

		@Async
		@ConcurrencyLimited("single")
		public CompletableFuture<String> call() {
			this.threads.add(Thread.currentThread().getName());
			CompletableFuture<String> stage = new CompletableFuture<>();
			this.stages.add(stage);
			return stage;
		}

	}

	@ConcurrencyLimited("strict")
	public static class LimitedClass {

		public String work() {
			return "worked";
		}

	}

	public static class UnknownLimit {

		@ConcurrencyLimited("nope")
		public String call() {
			return "called";
		}

	}

	public static class MalformedTimeout {

		@ConcurrencyLimited(value = "single", timeout = "soon")
		public String call() {
			return "called";
		}

	}

	public static class NegativeTimeout {

		@ConcurrencyLimited(value = "single", timeout = "-1s")
		public String call() {
			return "called";
		}

	}

	public static class LimitedStream {

		@ConcurrencyLimited("single")
		public Stream<String> call() {
			return Stream.of("called");
		}

	}

	public static class LimitedSubtype {

		@ConcurrencyLimited("single")
		public OwnFuture<String> call() {
			return new OwnFuture<>();
		}

	}

	public static class OwnFuture<T> extends CompletableFuture<T> {

	}

	public static class PlaceholderService {

		@ConcurrencyLimited("${sample.limit}")
		public @Nullable String call() {
			return null;
		}

	}

}
