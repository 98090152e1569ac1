package io.lionherd.concurrency.autoconfigure.annotation;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.annotation.Monitored;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;
import io.lionherd.concurrency.autoconfigure.AsyncUtilsBuilderCustomizer;
import io.lionherd.concurrency.autoconfigure.LionherdAnnotationsAutoConfiguration;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyAutoConfiguration;
import io.lionherd.concurrency.autoconfigure.LionherdMetricsAutoConfiguration;
import io.lionherd.concurrency.ratelimit.RateLimitExceededException;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterListener;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Publisher;
import org.slf4j.MDC;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link LionherdAnnotationsAutoConfiguration}: {@link RateLimited
 *
 * @RateLimited}, {@link Retry @Retry} and {@link Monitored @Monitored} on Spring beans.
 * Time is manual: a limiter's window moves and a retry's wait ends only when a test
 * advances it, so each permit and each wait is accounted for. Limiters: {@code limited}
 * (1 per second, waits without limit), {@code strict} (1 per second, does not wait),
 * {@code counted} (10 per hour). Retry policies: {@code flaky} (3 attempts, waits 100
 * then 200 ms), {@code instant} (3 attempts, no wait), {@code picky} (3 attempts, no
 * wait, retries only {@link IllegalStateException}).
 */
class LionherdAnnotationsAutoConfigurationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final ObservationRegistry OBSERVATIONS = ObservationRegistry.create();

	static {
		OBSERVATIONS.observationConfig().observationHandler((context) -> true);
	}

	/** Retries every Exception, at once. */
	private static final String[] EVERYTHING = { "lionherd.concurrency.retries.everything.max-attempts=3",
			"lionherd.concurrency.retries.everything.base-delay=0s",
			"lionherd.concurrency.retries.everything.max-delay=0s",
			"lionherd.concurrency.retries.everything.retry-on=java.lang.Exception" };

	/** Retries an IOException, also as a cause, but no FileNotFoundException, at once. */
	private static final String[] IO = { "lionherd.concurrency.retries.io.max-attempts=3",
			"lionherd.concurrency.retries.io.base-delay=0s", "lionherd.concurrency.retries.io.max-delay=0s",
			"lionherd.concurrency.retries.io.retry-on=java.io.IOException",
			"lionherd.concurrency.retries.io.exclude=java.io.FileNotFoundException" };

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
				LionherdMetricsAutoConfiguration.class, LionherdAnnotationsAutoConfiguration.class,
				TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(ManualClockConfiguration.class)
		.withPropertyValues("lionherd.concurrency.rate-limiters.limited.max-calls=1",
				"lionherd.concurrency.rate-limiters.limited.period=1s",
				"lionherd.concurrency.rate-limiters.strict.max-calls=1",
				"lionherd.concurrency.rate-limiters.strict.period=1s",
				"lionherd.concurrency.rate-limiters.strict.timeout=0s",
				"lionherd.concurrency.rate-limiters.counted.max-calls=10",
				"lionherd.concurrency.rate-limiters.counted.period=1h",
				"lionherd.concurrency.retries.flaky.max-attempts=3",
				"lionherd.concurrency.retries.flaky.base-delay=100ms",
				"lionherd.concurrency.retries.flaky.max-delay=1s", "lionherd.concurrency.retries.flaky.jitter=0",
				"lionherd.concurrency.retries.instant.max-attempts=3",
				"lionherd.concurrency.retries.instant.base-delay=0s",
				"lionherd.concurrency.retries.instant.max-delay=0s", "lionherd.concurrency.retries.instant.jitter=0",
				"lionherd.concurrency.retries.picky.max-attempts=3", "lionherd.concurrency.retries.picky.base-delay=0s",
				"lionherd.concurrency.retries.picky.max-delay=0s",
				"lionherd.concurrency.retries.picky.retry-on=java.lang.IllegalStateException");

	// --- @RateLimited on a blocking method

	@Test
	void blockingMethodTakesOnePermitPerCallAndWaitsForTheNext() {
		this.contextRunner.withBean(SyncService.class).run((context) -> {
			SyncService service = context.getBean(SyncService.class);
			assertThat(AopUtils.isAopProxy(service)).isTrue();
			assertThat(service.limited()).isEqualTo("done");
			assertThat(limiter(context, "limited").availablePermits()).isZero();
			CompletableFuture<String> second = CompletableFuture.supplyAsync(service::limited);
			await().atMost(WAIT).until(() -> limiter(context, "limited").waitingCount() == 1);
			assertThat(second).isNotDone();
			assertThat(service.calls()).isEqualTo(1);
			time(context).advance(Duration.ofSeconds(1));
			assertThat(second).succeedsWithin(WAIT).isEqualTo("done");
			assertThat(service.calls()).isEqualTo(2);
		});
	}

	@Test
	void blockingMethodWithoutPermitInTimeThrowsRateLimitExceededNamingTheLimiter() {
		this.contextRunner.withBean(SyncService.class).run((context) -> {
			SyncService service = context.getBean(SyncService.class);
			service.strict();
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(service::strict)
				.withCauseInstanceOf(TimeoutException.class)
				.satisfies((ex) -> assertThat(ex.limiterName()).isEqualTo("strict"));
			assertThat(service.calls()).isEqualTo(1);
		});
	}

	@Test
	void refusedCallIsOneRejectionAndNoTryAcquireProbe() {
		this.contextRunner.withBean(SyncService.class).run((context) -> {
			SyncService service = context.getBean(SyncService.class);
			AtomicInteger rejections = new AtomicInteger();
			context.getBean(RateLimiterRegistry.class).addListener(new RateLimiterListener() {

				@Override
				public void rejected(RateLimiter limiter) {
					rejections.incrementAndGet();
				}

			});
			service.strict();
			assertThat(rejections).hasValue(0);
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(service::strict);
			assertThat(rejections).as("the refused call's acquire, counted once").hasValue(1);
		});
	}

	@Test
	void timeoutAttributeReplacesTheLimitersTimeout() {
		this.contextRunner.withBean(SyncService.class).run((context) -> {
			SyncService service = context.getBean(SyncService.class);
			assertThat(limiter(context, "limited").config().timeout()).as("limiter waits without limit").isNull();
			service.limitedWithTimeout();
			// the next permit comes in 1 s, after the attribute's 250 ms: refused at once
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(service::limitedWithTimeout)
				.satisfies((ex) -> {
					assertThat(ex.limiterName()).isEqualTo("limited");
					assertThat(ex.retryAfter()).contains(Duration.ofSeconds(1));
				});
			assertThat(limiter(context, "limited").waitingCount()).isZero();
			time(context).advance(Duration.ofMillis(800));
			CompletableFuture<String> third = CompletableFuture.supplyAsync(service::limitedWithTimeout);
			await().atMost(WAIT).until(() -> limiter(context, "limited").waitingCount() == 1);
			time(context).advance(Duration.ofMillis(200));
			assertThat(third).succeedsWithin(WAIT).isEqualTo("done");
			assertThat(service.calls()).isEqualTo(2);
		});
	}

	@Test
	void interruptedBlockingWaitGivesUpItsPlaceAndKeepsTheInterrupt() {
		this.contextRunner.withBean(SyncService.class).run((context) -> {
			SyncService service = context.getBean(SyncService.class);
			service.limited();
			AtomicReference<Throwable> failure = new AtomicReference<>();
			AtomicReference<Boolean> interrupted = new AtomicReference<>();
			Thread caller = new Thread(() -> {
				failure.set(catchThrowable(service::limited));
				interrupted.set(Thread.currentThread().isInterrupted());
			});
			caller.start();
			await().atMost(WAIT).until(() -> limiter(context, "limited").waitingCount() == 1);
			caller.interrupt();
			caller.join(WAIT.toMillis());
			assertThat(failure.get()).isInstanceOf(RateLimitExceededException.class)
				.hasCauseInstanceOf(InterruptedException.class);
			assertThat(interrupted.get()).isTrue();
			assertThat(limiter(context, "limited").waitingCount()).isZero();
			assertThat(service.calls()).isEqualTo(1);
		});
	}

	// --- @RateLimited on a method returning a CompletionStage

	@Test
	void asyncMethodReturnsAtOnceAndIsInvokedWhenThePermitIsGranted() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			assertThat(service.limited()).isCompletedWithValue("done");
			CompletableFuture<String> second = service.limited();
			assertThat(second).isNotDone();
			assertThat(service.calls()).isEqualTo(1);
			assertThat(limiter(context, "limited").waitingCount()).isOne();
			time(context).advance(Duration.ofSeconds(1));
			assertThat(second).isCompletedWithValue("done");
			assertThat(service.calls()).isEqualTo(2);
		});
	}

	@Test
	void asyncMethodWithoutPermitInTimeFailsWithRateLimitExceededNamingTheLimiter() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			service.strict();
			CompletableFuture<String> second = service.strict().toCompletableFuture();
			assertThat(second).isCompletedExceptionally();
			assertThat(catchThrowable(second::join)).cause()
				.isInstanceOfSatisfying(RateLimitExceededException.class,
						(ex) -> assertThat(ex.limiterName()).isEqualTo("strict"));
			assertThat(service.calls()).isEqualTo(1);
		});
	}

	@Test
	void asyncMethodTimeoutAttributeFailsTheFutureWhenItElapses() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			service.limitedWithTimeout();
			CompletableFuture<String> second = service.limitedWithTimeout();
			time(context).advance(Duration.ofMillis(250));
			assertThat(second).isCompletedExceptionally();
			assertThat(catchThrowable(second::join)).cause().isInstanceOf(RateLimitExceededException.class);
			assertThat(service.calls()).isEqualTo(1);
		});
	}

	@Test
	void cancellingAPendingAsyncCallGivesUpItsPlaceAndNeverInvokesTheMethod() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			service.limited();
			CompletableFuture<String> cancelled = service.limited();
			CompletableFuture<String> next = service.limited();
			assertThat(limiter(context, "limited").waitingCount()).isEqualTo(2);
			cancelled.cancel(true);
			assertThat(limiter(context, "limited").waitingCount()).isOne();
			time(context).advance(Duration.ofSeconds(1));
			assertThat(next).isCompletedWithValue("done");
			assertThat(service.calls()).isEqualTo(2);
		});
	}

	@Test
	void thousandPendingAsyncCallsHoldNoThread() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			service.limited();
			Set<Thread> busyBefore = threadsInLionherdCode();
			List<CompletableFuture<String>> pending = new ArrayList<>();
			for (int i = 0; i < 1000; i++) {
				pending.add(service.limited());
			}
			assertThat(pending).noneMatch(CompletableFuture::isDone);
			assertThat(limiter(context, "limited").waitingCount()).isEqualTo(1000);
			assertThat(threadsInLionherdCode()).as("threads in lionherd code while 1000 calls are pending")
				.isSubsetOf(busyBefore);
			assertThat(service.calls()).isEqualTo(1);
			time(context).advance(Duration.ofSeconds(3));
			assertThat(service.calls()).isEqualTo(4);
			pending.forEach((future) -> future.cancel(true));
			assertThat(limiter(context, "limited").waitingCount()).isZero();
		});
	}

	// --- @Monitored

	@Test
	void monitoredBlockingMethodIsRecordedAsSyncAndPassesResultAndExceptionThrough() {
		this.contextRunner.withBean(SyncService.class).run((context) -> {
			SyncService service = context.getBean(SyncService.class);
			assertThat(service.monitored(false)).isEqualTo("monitored");
			assertThat(catchThrowable(() -> service.monitored(true))).isSameAs(service.failure());
			assertThat(timer(context, "sync_work", "sync", "success", "none").count()).isOne();
			assertThat(timer(context, "sync_work", "sync", "error", "IllegalStateException").count()).isOne();
		});
	}

	@Test
	void monitoredAsyncMethodReturnsItsOwnStageAndIsRecordedAsAsyncWhenItCompletes() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			CompletableFuture<String> answer = new CompletableFuture<>();
			assertThat(service.monitored(answer)).isSameAs(answer);
			assertThat(registry(context).find("lionherd.monitor").timers()).isEmpty();
			time(context).advance(Duration.ofMillis(300));
			answer.complete("later");
			Timer timer = timer(context, "async_work", "async", "success", "none");
			assertThat(timer.count()).isOne();
			assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(300.0);
			CompletableFuture<String> failed = CompletableFuture.failedFuture(new IllegalStateException("boom"));
			assertThat(service.monitored(failed)).isSameAs(failed);
			assertThat(timer(context, "async_work", "async", "error", "IllegalStateException").count()).isOne();
		});
	}

	// --- nesting: @Monitored ( @RateLimited ( method ) )

	@Test
	void monitorSeesTheRateLimitExceededOfABlockingMethod() {
		this.contextRunner.withBean(SyncService.class).run((context) -> {
			SyncService service = context.getBean(SyncService.class);
			service.monitoredAndLimited();
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(service::monitoredAndLimited);
			assertThat(timer(context, "nested", "sync", "success", "none").count()).isOne();
			assertThat(timer(context, "nested", "sync", "error", "RateLimitExceededException").count()).isOne();
		});
	}

	@Test
	void monitorOfAnAsyncMethodMeasuresTheWaitForThePermit() {
		this.contextRunner.withBean(AsyncService.class).run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			service.monitoredAndLimited();
			CompletableFuture<String> second = service.monitoredAndLimited();
			assertThat(timer(context, "nested_async", "async", "success", "none").count()).isOne();
			time(context).advance(Duration.ofSeconds(1));
			assertThat(second).isCompletedWithValue("done");
			Timer timer = timer(context, "nested_async", "async", "success", "none");
			assertThat(timer.count()).isEqualTo(2);
			assertThat(timer.max(TimeUnit.MILLISECONDS)).isEqualTo(1000.0);
		});
	}

	// --- class-level annotations

	@Test
	void classLevelAnnotationsApplyToEveryPublicMethodAndMethodLevelOnesWin() {
		this.contextRunner.withBean(LimitedClass.class).withBean(MonitoredClass.class).run((context) -> {
			LimitedClass limited = context.getBean(LimitedClass.class);
			limited.notLimited();
			limited.toString();
			assertThat(limiter(context, "limited").availablePermits()).isOne();
			assertThat(limited.classLimited()).isEqualTo("class");
			assertThat(limiter(context, "limited").availablePermits()).isZero();
			assertThat(limited.methodLimited()).isEqualTo("method");
			assertThatExceptionOfType(RateLimitExceededException.class).isThrownBy(limited::methodLimited)
				.satisfies((ex) -> assertThat(ex.limiterName()).isEqualTo("strict"));
			context.getBean(MonitoredClass.class).work();
			assertThat(timer(context, "whole_class", "sync", "success", "none").count()).isOne();
		});
	}

	@Test
	void selfInvocationIsNotIntercepted() {
		this.contextRunner.withBean(SyncService.class).run((context) -> {
			SyncService service = context.getBean(SyncService.class);
			service.callsLimitedItself();
			service.callsLimitedItself();
			assertThat(limiter(context, "limited").availablePermits()).isOne();
			assertThat(service.calls()).isEqualTo(2);
		});
	}

	// --- startup checks

	@Test
	void unknownLimiterStopsStartupNamingBeanMethodAndLimiter() {
		this.contextRunner.withBean("unknownLimiterService", UnknownLimiter.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("bean 'unknownLimiterService'")
				.hasMessageContaining("UnknownLimiter.call()")
				.hasMessageContaining("unknown rate limiter 'nope'")
				.hasMessageContaining("[limited, strict, counted]");
		});
	}

	@Test
	void malformedTimeoutStopsStartupNamingBeanMethodAndValue() {
		this.contextRunner.withBean("malformedTimeoutService", MalformedTimeout.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("bean 'malformedTimeoutService'")
				.hasMessageContaining("MalformedTimeout.call()")
				.hasMessageContaining("malformed timeout 'soon'");
		});
	}

	@Test
	void placeholdersInNamesAreResolved() {
		this.contextRunner.withBean(PlaceholderService.class)
			.withPropertyValues("quote.limiter=strict")
			.run((context) -> {
				PlaceholderService service = context.getBean(PlaceholderService.class);
				service.call();
				assertThat(limiter(context, "strict").availablePermits()).isZero();
			});
	}

	@Test
	void withoutSpringAopNoPostProcessorIsRegistered() {
		this.contextRunner
			.withClassLoader(new org.springframework.boot.test.context.FilteredClassLoader(
					"org.springframework.aop.framework.autoproxy"))
			.run((context) -> assertThat(context).doesNotHaveBean(LionherdAnnotationBeanPostProcessor.class));
	}

	// --- @Async

	@Test
	void asyncVoidMethodWaitsForItsPermitOnTheAsyncExecutorNotInTheCaller() {
		this.contextRunner.withUserConfiguration(DefaultAsyncConfiguration.class).run((context) -> {
			SpringAsyncService service = context.getBean(SpringAsyncService.class);
			service.fireAndForget();
			await().atMost(WAIT).until(() -> service.calls() == 1);
			assertThat(service.thread().getName()).startsWith("async-");
			service.fireAndForget(); // returns at once though no permit is left
			await().atMost(WAIT).until(() -> limiter(context, "limited").waitingCount() == 1);
			assertThat(service.calls()).isEqualTo(1);
			time(context).advance(Duration.ofSeconds(1));
			await().atMost(WAIT).until(() -> service.calls() == 2);
			assertThat(service.thread().getName()).startsWith("async-");
		});
	}

	@Test
	void asyncFutureMethodRunsOnTheAsyncExecutorOncePermitted() {
		this.contextRunner.withUserConfiguration(DefaultAsyncConfiguration.class).run((context) -> {
			SpringAsyncService service = context.getBean(SpringAsyncService.class);
			assertThat(service.future()).succeedsWithin(WAIT).asString().startsWith("async-");
			CompletableFuture<String> second = service.future();
			await().atMost(WAIT).until(() -> limiter(context, "limited").waitingCount() == 1);
			assertThat(second).isNotDone();
			time(context).advance(Duration.ofSeconds(1));
			assertThat(second).succeedsWithin(WAIT).asString().startsWith("async-");
			assertThat(service.calls()).isEqualTo(2);
		});
	}

	@Test
	void asyncMethodWaitsOnTheAsyncExecutorEvenWhenAsyncIsProcessedFirst() {
		this.contextRunner.withUserConfiguration(EarlyAsyncConfiguration.class).run((context) -> {
			SpringAsyncService service = context.getBean(SpringAsyncService.class);
			service.fireAndForget();
			await().atMost(WAIT).until(() -> service.calls() == 1);
			CompletableFuture<Void> caller = CompletableFuture.runAsync(service::fireAndForget);
			// The permit comes only when the test advances the clock: a caller that
			// waited for it would never return.
			assertThat(caller).succeedsWithin(WAIT);
			await().atMost(WAIT).until(() -> limiter(context, "limited").waitingCount() == 1);
			time(context).advance(Duration.ofSeconds(1));
			await().atMost(WAIT).until(() -> service.calls() == 2);
			assertThat(service.thread().getName()).startsWith("async-");
		});
	}

	// --- @Retry on a blocking method

	@Test
	void blockingMethodIsRetriedOnTheCallersThreadAfterEachWaitOfThePolicy() {
		this.contextRunner.withBean(RetriedService.class).run((context) -> {
			RetriedService service = context.getBean(RetriedService.class);
			ManualTime time = time(context);
			service.failFirst(2);
			AtomicReference<Thread> caller = new AtomicReference<>();
			CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> {
				caller.set(Thread.currentThread());
				return service.flaky();
			});
			await().atMost(WAIT).until(() -> service.calls() == 1 && time.pendingCount() == 1);
			time.advance(Duration.ofMillis(99));
			assertThat(service.calls()).isOne();
			time.advance(Duration.ofMillis(1));
			await().atMost(WAIT).until(() -> service.calls() == 2 && time.pendingCount() == 1);
			time.advance(Duration.ofMillis(199));
			assertThat(service.calls()).isEqualTo(2);
			assertThat(call).isNotDone();
			time.advance(Duration.ofMillis(1));
			assertThat(call).succeedsWithin(WAIT).isEqualTo("done");
			assertThat(service.calls()).isEqualTo(3);
			assertThat(service.threads()).containsOnly(caller.get());
			assertThat(retryCalls(context, "flaky", "successful_with_retry")).isOne();
		});
	}

	@Test
	void blockingMethodThrowsTheLastFailureItselfNotWrapped() {
		this.contextRunner.withBean(RetriedService.class).run((context) -> {
			RetriedService service = context.getBean(RetriedService.class);
			service.failFirst(Integer.MAX_VALUE);
			Throwable thrown = catchThrowable(service::instantChecked);
			assertThat(service.failures()).hasSize(3);
			assertThat(thrown).isSameAs(service.failures().get(2)).isInstanceOf(IOException.class);
			assertThat(retryCalls(context, "instant", "failed_with_retry")).isOne();
		});
	}

	@Test
	void blockingMethodThrowsTheLastFailureAfterTheWaits() {
		this.contextRunner.withBean(RetriedService.class).run((context) -> {
			RetriedService service = context.getBean(RetriedService.class);
			ManualTime time = time(context);
			service.failFirst(Integer.MAX_VALUE);
			CompletableFuture<Throwable> call = CompletableFuture.supplyAsync(() -> catchThrowable(service::flaky));
			await().atMost(WAIT).until(() -> service.calls() == 1 && time.pendingCount() == 1);
			time.advance(Duration.ofMillis(100));
			await().atMost(WAIT).until(() -> service.calls() == 2 && time.pendingCount() == 1);
			time.advance(Duration.ofMillis(200));
			assertThat(call).succeedsWithin(WAIT).isSameAs(service.failures().get(2));
			assertThat(time.pendingCount()).isZero();
		});
	}

	@Test
	void failureThePolicyDoesNotRetryIsThrownAtOnce() {
		this.contextRunner.withBean(RetriedService.class).run((context) -> {
			RetriedService service = context.getBean(RetriedService.class);
			assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(service::picky);
			assertThat(service.calls()).isOne();
			assertThat(retryCalls(context, "picky", "failed_without_retry")).isOne();
		});
	}

	@Test
	void interruptedBlockingRetryThrowsTheLastFailureStartsNoOtherAttemptAndKeepsTheInterrupt() {
		this.contextRunner.withBean(RetriedService.class).run((context) -> {
			RetriedService service = context.getBean(RetriedService.class);
			ManualTime time = time(context);
			service.failFirst(Integer.MAX_VALUE);
			AtomicReference<Throwable> failure = new AtomicReference<>();
			AtomicReference<Boolean> interrupted = new AtomicReference<>();
			Thread caller = new Thread(() -> {
				failure.set(catchThrowable(service::flaky));
				interrupted.set(Thread.currentThread().isInterrupted());
			});
			caller.start();
			await().atMost(WAIT).until(() -> service.calls() == 1 && time.pendingCount() == 1);
			caller.interrupt();
			caller.join(WAIT.toMillis());
			assertThat(failure.get()).isSameAs(service.failures().get(0));
			assertThat(interrupted.get()).isTrue();
			assertThat(time.pendingCount()).isZero();
			time.advance(Duration.ofSeconds(1));
			assertThat(service.calls()).isOne();
		});
	}

	@Test
	void blockingRetryNeverWaitsPastTheDeadlineOfTheCallersScope() {
		this.contextRunner.withBean(RetriedService.class).run((context) -> {
			RetriedService service = context.getBean(RetriedService.class);
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			ManualTime time = time(context);
			service.failFirst(Integer.MAX_VALUE);
			CompletableFuture<String> scoped = asyncUtils.failAfter(Duration.ofMillis(150),
					() -> asyncUtils.runSync(service::flaky));
			await().atMost(WAIT).until(() -> service.calls() == 1 && time.pendingCount() == 2);
			time.advance(Duration.ofMillis(100));
			// attempt 2 fails at 100 ms; a wait of 200 ms would end after the deadline
			assertThat(scoped).failsWithin(WAIT).withThrowableThat().havingCause().isSameAs(service.failures().get(1));
			assertThat(time.elapsed()).isEqualTo(Duration.ofMillis(100));
			assertThat(service.calls()).isEqualTo(2);
		});
	}

	// --- @Retry on a method returning a CompletionStage

	@Test
	void asyncMethodReturnsAtOnceAndIsRetriedOnTheTimerWithoutBlocking() {
		this.contextRunner.withBean(AsyncRetriedService.class).run((context) -> {
			AsyncRetriedService service = context.getBean(AsyncRetriedService.class);
			ManualTime time = time(context);
			service.failFirst(2);
			CompletableFuture<String> call = service.flaky().toCompletableFuture();
			// the test's own thread makes every step: nothing waits anywhere else
			assertThat(call).isNotDone();
			assertThat(service.calls()).isOne();
			assertThat(time.pendingCount()).isOne();
			time.advance(Duration.ofMillis(99));
			assertThat(service.calls()).isOne();
			time.advance(Duration.ofMillis(1));
			assertThat(service.calls()).isEqualTo(2);
			time.advance(Duration.ofMillis(199));
			assertThat(call).isNotDone();
			time.advance(Duration.ofMillis(1));
			assertThat(call).isCompletedWithValue("done");
			assertThat(retryCalls(context, "flaky", "successful_with_retry")).isOne();
		});
	}

	@Test
	void asyncMethodFailsWithTheLastFailure() {
		this.contextRunner.withBean(AsyncRetriedService.class).run((context) -> {
			AsyncRetriedService service = context.getBean(AsyncRetriedService.class);
			service.failFirst(Integer.MAX_VALUE);
			CompletableFuture<String> call = service.flaky().toCompletableFuture();
			time(context).advance(Duration.ofMillis(300));
			assertThat(call).isCompletedExceptionally();
			assertThat(service.failures()).hasSize(3);
			assertThat(catchThrowable(call::join)).cause().isSameAs(service.failures().get(2));
			assertThat(retryCalls(context, "flaky", "failed_with_retry")).isOne();
		});
	}

	@Test
	void asyncFailureThePolicyDoesNotRetryFailsAtOnce() {
		this.contextRunner.withBean(AsyncRetriedService.class).run((context) -> {
			AsyncRetriedService service = context.getBean(AsyncRetriedService.class);
			CompletableFuture<String> call = service.picky();
			assertThat(call).isCompletedExceptionally();
			assertThat(catchThrowable(call::join)).cause().isInstanceOf(IllegalArgumentException.class);
			assertThat(service.calls()).isOne();
			assertThat(retryCalls(context, "picky", "failed_without_retry")).isOne();
		});
	}

	@Test
	void cancellingAnAsyncRetryDuringAWaitStartsNoOtherAttempt() {
		this.contextRunner.withBean(AsyncRetriedService.class).run((context) -> {
			AsyncRetriedService service = context.getBean(AsyncRetriedService.class);
			ManualTime time = time(context);
			service.failFirst(Integer.MAX_VALUE);
			CompletableFuture<String> call = service.flaky().toCompletableFuture();
			assertThat(time.pendingCount()).isOne();
			call.cancel(true);
			assertThat(time.pendingCount()).isZero();
			time.advance(Duration.ofSeconds(1));
			assertThat(service.calls()).isOne();
		});
	}

	// --- nesting: @Monitored ( @Retry ( @RateLimited ( method ) ) )

	@Test
	void eachAttemptOfABlockingMethodTakesItsOwnPermit() {
		this.contextRunner.withBean(RetriedService.class).run((context) -> {
			RetriedService service = context.getBean(RetriedService.class);
			service.failFirst(Integer.MAX_VALUE);
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(service::limited);
			assertThat(service.calls()).isEqualTo(3);
			assertThat(limiter(context, "counted").availablePermits()).isEqualTo(7);
		});
	}

	@Test
	void eachAttemptOfAnAsyncMethodTakesItsOwnPermit() {
		this.contextRunner.withBean(AsyncRetriedService.class).run((context) -> {
			AsyncRetriedService service = context.getBean(AsyncRetriedService.class);
			service.failFirst(Integer.MAX_VALUE);
			assertThat(service.limited()).isCompletedExceptionally();
			assertThat(service.calls()).isEqualTo(3);
			assertThat(limiter(context, "counted").availablePermits()).isEqualTo(7);
		});
	}

	@Test
	void monitorRecordsTheWholeRetriedBlockingCallOnce() {
		this.contextRunner.withBean(RetriedService.class).run((context) -> {
			RetriedService service = context.getBean(RetriedService.class);
			ManualTime time = time(context);
			service.failFirst(Integer.MAX_VALUE);
			CompletableFuture<Throwable> call = CompletableFuture.supplyAsync(() -> catchThrowable(service::monitored));
			await().atMost(WAIT).until(() -> service.calls() == 1 && time.pendingCount() == 1);
			time.advance(Duration.ofMillis(100));
			await().atMost(WAIT).until(() -> service.calls() == 2 && time.pendingCount() == 1);
			time.advance(Duration.ofMillis(200));
			assertThat(call).succeedsWithin(WAIT).isSameAs(service.failures().get(2));
			assertThat(registry(context).find("lionherd.monitor").timers()).hasSize(1);
			Timer timer = timer(context, "retried", "sync", "error", "IllegalStateException");
			assertThat(timer.count()).isOne();
			assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(300.0);
			assertThat(limiter(context, "counted").availablePermits()).isEqualTo(7);
		});
	}

	@Test
	void monitorRecordsTheWholeRetriedAsyncCallOnce() {
		this.contextRunner.withBean(AsyncRetriedService.class).run((context) -> {
			AsyncRetriedService service = context.getBean(AsyncRetriedService.class);
			service.failFirst(2);
			CompletableFuture<String> call = service.monitored();
			time(context).advance(Duration.ofMillis(300));
			assertThat(call).isCompletedWithValue("done");
			assertThat(registry(context).find("lionherd.monitor").timers()).hasSize(1);
			Timer timer = timer(context, "retried_async", "async", "success", "none");
			assertThat(timer.count()).isOne();
			assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(300.0);
			assertThat(limiter(context, "counted").availablePermits()).isEqualTo(7);
		});
	}

	@Test
	void classLevelRetryAppliesToEveryPublicMethodAndMethodLevelOnesWin() {
		this.contextRunner.withBean(RetriedClass.class).run((context) -> {
			RetriedClass service = context.getBean(RetriedClass.class);
			assertThat(service.work()).isEqualTo("attempt 3");
			assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(service::picky);
			assertThat(service.calls()).isEqualTo(4);
			assertThat(retryCalls(context, "instant", "successful_with_retry")).isOne();
			assertThat(retryCalls(context, "picky", "failed_without_retry")).isOne();
		});
	}

	@Test
	void unknownRetryPolicyStopsStartupNamingBeanMethodAndPolicy() {
		this.contextRunner.withBean("unknownPolicyService", UnknownRetryPolicy.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("bean 'unknownPolicyService'")
				.hasMessageContaining("UnknownRetryPolicy.call()")
				.hasMessageContaining("unknown retry policy 'nope'")
				.hasMessageContaining("[flaky, instant, picky]");
		});
	}

	// --- the caller's context in calls made later (issue 15, item 5)

	@Test
	void asyncMethodPermittedLaterRunsInTheCallersContext() {
		this.contextRunner.withBean(ContextService.class).run((context) -> {
			ContextService service = context.getBean(ContextService.class);
			service.limited();
			CallersContext caller = new CallersContext();
			CompletableFuture<String> later = caller.call(service::limited);
			assertThat(later).isNotDone();
			// the permit comes on this thread, whose own context is not the caller's any
			// more
			time(context).advance(Duration.ofSeconds(1));
			assertThat(later).isCompletedWithValue("done");
			assertThat(service.seen()).hasSize(2).last().isEqualTo(caller.expected());
			caller.assertGoneFromThisThread();
		});
	}

	@Test
	void asyncRetryAttemptsAfterTheFirstRunInTheCallersContext() {
		this.contextRunner.withBean(ContextService.class).run((context) -> {
			ContextService service = context.getBean(ContextService.class);
			CallersContext caller = new CallersContext();
			CompletableFuture<String> retried = caller.call(service::retried);
			assertThat(retried).isNotDone();
			time(context).advance(Duration.ofMillis(100));
			assertThat(retried).isCompletedWithValue("done");
			assertThat(service.seen()).containsExactly(caller.expected(), caller.expected());
			caller.assertGoneFromThisThread();
		});
	}

	// --- return types the annotations cannot handle (issue 15, item 6)

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"MonitoredPublisher | @Monitored | org.reactivestreams.Publisher<java.lang.String>",
			"RetriedFlowPublisher | @Retry | java.util.concurrent.Flow$Publisher<java.lang.String>",
			"RateLimitedMonoSubclass | @RateLimited | "
					+ "io.lionherd.concurrency.autoconfigure.annotation.LionherdAnnotationsAutoConfigurationTests$OwnMono",
			"MonitoredFuture | @Monitored | java.util.concurrent.Future<java.lang.String>",
			"RateLimitedStream | @RateLimited | java.util.stream.Stream<java.lang.String>" })
	void unsupportedReturnTypeStopsStartupNamingBeanMethodTypeAndWhatIsSupported(String beanClass, String annotations,
			String returnType) throws ClassNotFoundException {
		Class<?> type = Class.forName(getClass().getName() + "$" + beanClass);
		this.contextRunner.withBean("lazyService", type).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("bean 'lazyService'")
				.hasMessageContaining(beanClass + ".call()")
				.hasMessageContaining(annotations + " cannot handle the return type " + returnType)
				.hasMessageContaining(
						"Supported return types: void, a plain value (the method's work is done when it returns), "
								+ "CompletionStage / CompletableFuture, or, with Reactor on the class path, Mono / Flux "
								+ "(and a Kotlin suspend function, with kotlinx-coroutines-reactor)");
		});
	}

	@Test
	void supportedReturnTypesStartUp() {
		this.contextRunner.withBean(SupportedReturnTypes.class).run((context) -> {
			assertThat(context).hasNotFailed();
			SupportedReturnTypes service = context.getBean(SupportedReturnTypes.class);
			service.nothing();
			assertThat(service.value()).isEqualTo(1);
			assertThat(service.stage()).isCompletedWithValue("stage");
		});
	}

	@ParameterizedTest
	@ValueSource(classes = { RetriedMono.class, RateLimitedFlux.class, AllOnMono.class })
	void monoAndFluxStartUp(Class<?> type) {
		this.contextRunner.withBean("reactiveService", type).run((context) -> assertThat(context).hasNotFailed());
	}

	// --- one failure shape for an async @RateLimited method (issue 15, item 7)

	@Test
	void asyncMethodThrowingBeforeItsFutureFailsTheFutureWhenPermittedAtOnce() {
		this.contextRunner.withBean(ThrowingAsyncService.class).run((context) -> {
			ThrowingAsyncService service = context.getBean(ThrowingAsyncService.class);
			CompletableFuture<String> call = service.limited();
			assertThat(call).isCompletedExceptionally();
			assertThat(catchThrowable(call::join)).cause().isSameAs(service.failure());
		});
	}

	@Test
	void asyncMethodThrowingBeforeItsFutureFailsTheFutureWhenPermittedLater() {
		this.contextRunner.withBean(ThrowingAsyncService.class).run((context) -> {
			ThrowingAsyncService service = context.getBean(ThrowingAsyncService.class);
			service.limited();
			CompletableFuture<String> call = service.limited();
			time(context).advance(Duration.ofSeconds(1));
			assertThat(call).isCompletedExceptionally();
			assertThat(catchThrowable(call::join)).cause().isSameAs(service.failure());
		});
	}

	@Test
	void monitoredAsyncMethodThrowingBeforeItsFutureIsRecordedAsAFailedFuture() {
		this.contextRunner.withBean(ThrowingAsyncService.class).run((context) -> {
			ThrowingAsyncService service = context.getBean(ThrowingAsyncService.class);
			CompletableFuture<String> call = service.monitoredAndLimited();
			assertThat(call).isCompletedExceptionally();
			assertThat(timer(context, "throwing", "async", "error", "IllegalStateException").count()).isOne();
		});
	}

	// --- what retry-on and exclude retry (issue 15, item 8)

	@Test
	void blockingMethodThrowingInterruptedIsNotRetriedWhateverRetryOnSays() {
		this.contextRunner.withBean(StoppedService.class).withPropertyValues(EVERYTHING).run((context) -> {
			StoppedService service = context.getBean(StoppedService.class);
			assertThatExceptionOfType(InterruptedException.class).isThrownBy(service::interrupted);
			assertThat(service.calls()).isOne();
			assertThat(retryCalls(context, "everything", "failed_without_retry")).isOne();
		});
	}

	@Test
	void blockingAttemptThatLeavesItsThreadInterruptedIsNotRetriedAndKeepsTheInterrupt() {
		this.contextRunner.withBean(StoppedService.class).withPropertyValues(EVERYTHING).run((context) -> {
			StoppedService service = context.getBean(StoppedService.class);
			Throwable thrown = catchThrowable(service::interruptsItself);
			boolean interrupted = Thread.interrupted();
			assertThat(thrown).isInstanceOf(IOException.class).hasMessage("interrupted read");
			assertThat(interrupted).isTrue();
			assertThat(service.calls()).isOne();
		});
	}

	@Test
	void asyncCancelledAttemptIsNotRetriedWhateverRetryOnSays() {
		this.contextRunner.withBean(StoppedService.class).withPropertyValues(EVERYTHING).run((context) -> {
			StoppedService service = context.getBean(StoppedService.class);
			CompletableFuture<String> call = service.cancelled();
			assertThat(call).isCompletedExceptionally();
			assertThat(service.calls()).isOne();
		});
	}

	@Test
	void retryOnRetriesAFailureCausedByAListedType() {
		this.contextRunner.withBean(CausedService.class).withPropertyValues(IO).run((context) -> {
			CausedService service = context.getBean(CausedService.class);
			assertThat(service.causedByIo(new IOException("reset"))).isEqualTo("done");
			assertThat(service.calls()).isEqualTo(3);
		});
	}

	@Test
	void excludedTypeIsNotRetriedEvenAsTheCauseOfAListedOne() {
		this.contextRunner.withBean(CausedService.class).withPropertyValues(IO).run((context) -> {
			CausedService service = context.getBean(CausedService.class);
			assertThatExceptionOfType(UncheckedIOException.class)
				.isThrownBy(() -> service.causedByIo(new FileNotFoundException("gone")))
				.withCauseInstanceOf(FileNotFoundException.class);
			assertThat(service.calls()).isOne();
		});
	}

	/**
	 * The threads, the caller aside, with a frame of lionherd's code or of this test's
	 * services: where a thread held by a pending call would wait. Not a thread count: the
	 * JVM starts and ends threads of its own (common pool workers, say) at any time.
	 * @return the threads
	 */
	private static Set<Thread> threadsInLionherdCode() {
		Set<Thread> threads = new HashSet<>();
		Thread.getAllStackTraces().forEach((thread, stack) -> {
			if (thread != Thread.currentThread()
					&& Arrays.stream(stack).anyMatch((frame) -> frame.getClassName().startsWith("io.lionherd."))) {
				threads.add(thread);
			}
		});
		return threads;
	}

	private static double retryCalls(AssertableApplicationContext context, String name, String kind) {
		return registry(context).get("lionherd.retry.calls").tags("name", name, "kind", kind).counter().count();
	}

	private static RateLimiter limiter(AssertableApplicationContext context, String name) {
		return context.getBean(RateLimiterRegistry.class).get(name);
	}

	private static ManualTime time(AssertableApplicationContext context) {
		return context.getBean(ManualTime.class);
	}

	private static MeterRegistry registry(AssertableApplicationContext context) {
		return context.getBean(MeterRegistry.class);
	}

	private static Timer timer(AssertableApplicationContext context, String name, String type, String outcome,
			String exception) {
		return registry(context).get("lionherd.monitor")
			.tags("name", name, "type", type, "outcome", outcome, "exception", exception)
			.timer();
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

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	@Import(AsyncConfiguration.class)
	static class DefaultAsyncConfiguration {

	}

	@Configuration(proxyBeanMethods = false)
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

	@Configuration(proxyBeanMethods = false)
	@EnableAsync(order = Ordered.HIGHEST_PRECEDENCE)
	@Import(AsyncConfiguration.class)
	static class EarlyAsyncConfiguration {

	}

	public static class SyncService {

		final AtomicInteger calls = new AtomicInteger();

		final IllegalStateException failure = new IllegalStateException("boom");

		public int calls() {
			return this.calls.get();
		}

		public IllegalStateException failure() {
			return this.failure;
		}

		@RateLimited("limited")
		public String limited() {
			this.calls.incrementAndGet();
			return "done";
		}

		@RateLimited(value = "limited", timeout = "250ms")
		public String limitedWithTimeout() {
			this.calls.incrementAndGet();
			return "done";
		}

		@RateLimited("strict")
		public String strict() {
			this.calls.incrementAndGet();
			return "done";
		}

		@Monitored("sync_work")
		public String monitored(boolean fail) {
			if (fail) {
				throw this.failure;
			}
			return "monitored";
		}

		@Monitored("nested")
		@RateLimited("strict")
		public String monitoredAndLimited() {
			return "done";
		}

		public String callsLimitedItself() {
			return limited();
		}

	}

	public static class AsyncService {

		final AtomicInteger calls = new AtomicInteger();

		public int calls() {
			return this.calls.get();
		}

		@RateLimited("limited")
		public CompletableFuture<String> limited() {
			this.calls.incrementAndGet();
			return CompletableFuture.completedFuture("done");
		}

		@RateLimited(value = "limited", timeout = "PT0.25S")
		public CompletableFuture<String> limitedWithTimeout() {
			this.calls.incrementAndGet();
			return CompletableFuture.completedFuture("done");
		}

		@RateLimited("strict")
		public CompletionStage<String> strict() {
			this.calls.incrementAndGet();
			return CompletableFuture.completedFuture("done");
		}

		@Monitored("async_work")
		public CompletableFuture<String> monitored(CompletableFuture<String> answer) {
			return answer;
		}

		@Monitored("nested_async")
		@RateLimited("limited")
		public CompletableFuture<String> monitoredAndLimited() {
			return CompletableFuture.completedFuture("done");
		}

	}

	@RateLimited("limited")
	public static class LimitedClass {

		public String classLimited() {
			return "class";
		}

		@RateLimited("strict")
		public String methodLimited() {
			return "method";
		}

		String notLimited() {
			return "package-private";
		}

	}

	@Monitored("whole_class")
	public static class MonitoredClass {

		public String work() {
			return "work";
		}

	}

	public static class RetriedService {

		final List<Thread> threads = new CopyOnWriteArrayList<>();

		final List<Exception> failures = new CopyOnWriteArrayList<>();

		volatile int failFirst;

		public void failFirst(int attempts) {
			this.failFirst = attempts;
		}

		public int calls() {
			return this.threads.size();
		}

		public List<Thread> threads() {
			return this.threads;
		}

		public List<Exception> failures() {
			return this.failures;
		}

		@Retry("flaky")
		public String flaky() {
			return attempt();
		}

		@Retry("instant")
		public String instantChecked() throws IOException {
			this.threads.add(Thread.currentThread());
			IOException failure = new IOException("attempt " + calls());
			this.failures.add(failure);
			throw failure;
		}

		@Retry("picky")
		public String picky() {
			this.threads.add(Thread.currentThread());
			throw new IllegalArgumentException("not retried");
		}

		@Retry("instant")
		@RateLimited("counted")
		public String limited() {
			return attempt();
		}

		@Monitored("retried")
		@Retry("flaky")
		@RateLimited("counted")
		public String monitored() {
			return attempt();
		}

		private String attempt() {
			this.threads.add(Thread.currentThread());
			if (calls() <= this.failFirst) {
				IllegalStateException failure = new IllegalStateException("attempt " + calls());
				this.failures.add(failure);
				throw failure;
			}
			return "done";
		}

	}

	public static class AsyncRetriedService {

		final AtomicInteger calls = new AtomicInteger();

		final List<Exception> failures = new CopyOnWriteArrayList<>();

		volatile int failFirst;

		public void failFirst(int attempts) {
			this.failFirst = attempts;
		}

		public int calls() {
			return this.calls.get();
		}

		public List<Exception> failures() {
			return this.failures;
		}

		@Retry("flaky")
		public CompletionStage<String> flaky() {
			return attempt();
		}

		@Retry("picky")
		public CompletableFuture<String> picky() {
			this.calls.incrementAndGet();
			return CompletableFuture.failedFuture(new IllegalArgumentException("not retried"));
		}

		@Retry("instant")
		@RateLimited("counted")
		public CompletableFuture<String> limited() {
			return attempt();
		}

		@Monitored("retried_async")
		@Retry("flaky")
		@RateLimited("counted")
		public CompletableFuture<String> monitored() {
			return attempt();
		}

		/**
		 * The first attempt throws, the others return a failed future, until failFirst.
		 */
		private CompletableFuture<String> attempt() {
			int call = this.calls.incrementAndGet();
			if (call <= this.failFirst) {
				IllegalStateException failure = new IllegalStateException("attempt " + call);
				this.failures.add(failure);
				if (call == 1) {
					throw failure;
				}
				return CompletableFuture.failedFuture(failure);
			}
			return CompletableFuture.completedFuture("done");
		}

	}

	@Retry("instant")
	public static class RetriedClass {

		final AtomicInteger calls = new AtomicInteger();

		public int calls() {
			return this.calls.get();
		}

		public String work() {
			int call = this.calls.incrementAndGet();
			if (call < 3) {
				throw new IllegalStateException("attempt " + call);
			}
			return "attempt " + call;
		}

		@Retry("picky")
		public String picky() {
			this.calls.incrementAndGet();
			throw new IllegalArgumentException("not retried");
		}

	}

	public static class UnknownRetryPolicy {

		@Retry("nope")
		public String call() {
			return "never";
		}

	}

	public static class UnknownLimiter {

		@RateLimited("nope")
		public String call() {
			return "never";
		}

	}

	public static class MalformedTimeout {

		@RateLimited(value = "limited", timeout = "soon")
		public String call() {
			return "never";
		}

	}

	public static class PlaceholderService {

		@RateLimited("${quote.limiter}")
		public String call() {
			return "done";
		}

	}

	public static class SpringAsyncService {

		final AtomicInteger calls = new AtomicInteger();

		final AtomicReference<Thread> thread = new AtomicReference<>();

		public int calls() {
			return this.calls.get();
		}

		public Thread thread() {
			return this.thread.get();
		}

		@Async
		@RateLimited("limited")
		public void fireAndForget() {
			this.thread.set(Thread.currentThread());
			this.calls.incrementAndGet();
		}

		@Async
		@RateLimited("limited")
		public CompletableFuture<String> future() {
			this.calls.incrementAndGet();
			return CompletableFuture.completedFuture(Thread.currentThread().getName());
		}

	}

	/**
	 * What a call saw of its caller's context: its MDC entry, its context class loader,
	 * its current observation.
	 */
	record Seen(@Nullable String requestId, @Nullable ClassLoader loader, @Nullable Observation observation) {

		static Seen now() {
			return new Seen(MDC.get("requestId"), Thread.currentThread().getContextClassLoader(),
					OBSERVATIONS.getCurrentObservation());
		}

	}

	/**
	 * A caller with a context of its own: an MDC entry, a context class loader and a
	 * current observation, set only while it makes its call.
	 */
	static final class CallersContext {

		private final ClassLoader loader = new URLClassLoader(new URL[0], getClass().getClassLoader());

		private final Observation observation = Observation.start("caller", OBSERVATIONS);

		private final ClassLoader threadsOwn = Thread.currentThread().getContextClassLoader();

		<T> T call(Supplier<T> call) {
			MDC.put("requestId", "r-1");
			Thread.currentThread().setContextClassLoader(this.loader);
			try (Observation.Scope scope = this.observation.openScope()) {
				return call.get();
			}
			finally {
				MDC.clear();
				Thread.currentThread().setContextClassLoader(this.threadsOwn);
			}
		}

		Seen expected() {
			return new Seen("r-1", this.loader, this.observation);
		}

		void assertGoneFromThisThread() {
			assertThat(Seen.now()).isEqualTo(new Seen(null, this.threadsOwn, null));
		}

	}

	public static class ContextService {

		final List<Seen> seen = new CopyOnWriteArrayList<>();

		public List<Seen> seen() {
			return this.seen;
		}

		@RateLimited("limited")
		public CompletableFuture<String> limited() {
			this.seen.add(Seen.now());
			return CompletableFuture.completedFuture("done");
		}

		@Retry("flaky")
		public CompletableFuture<String> retried() {
			this.seen.add(Seen.now());
			return (this.seen.size() < 2) ? CompletableFuture.failedFuture(new IOException("first"))
					: CompletableFuture.completedFuture("done");
		}

	}

	public static class ThrowingAsyncService {

		final IllegalStateException failure = new IllegalStateException("thrown before any future");

		public IllegalStateException failure() {
			return this.failure;
		}

		@RateLimited("limited")
		public CompletableFuture<String> limited() {
			throw this.failure;
		}

		@Monitored("throwing")
		@RateLimited("counted")
		public CompletableFuture<String> monitoredAndLimited() {
			throw this.failure;
		}

	}

	public static class StoppedService {

		final AtomicInteger calls = new AtomicInteger();

		public int calls() {
			return this.calls.get();
		}

		@Retry("everything")
		public String interrupted() throws InterruptedException {
			this.calls.incrementAndGet();
			throw new InterruptedException("stopped");
		}

		@Retry("everything")
		public String interruptsItself() throws IOException {
			this.calls.incrementAndGet();
			Thread.currentThread().interrupt();
			throw new IOException("interrupted read");
		}

		@Retry("everything")
		public CompletableFuture<String> cancelled() {
			this.calls.incrementAndGet();
			CompletableFuture<String> cancelled = new CompletableFuture<>();
			cancelled.cancel(true);
			return cancelled;
		}

	}

	public static class CausedService {

		final AtomicInteger calls = new AtomicInteger();

		public int calls() {
			return this.calls.get();
		}

		@Retry("io")
		public String causedByIo(IOException cause) {
			if (this.calls.incrementAndGet() < 3) {
				throw new UncheckedIOException(cause);
			}
			return "done";
		}

	}

	public static class SupportedReturnTypes {

		@Retry("instant")
		@RateLimited("counted")
		@Monitored("void")
		public void nothing() {
		}

		@Retry("instant")
		@RateLimited("counted")
		@Monitored("value")
		public int value() {
			return 1;
		}

		@Retry("instant")
		@RateLimited("counted")
		@Monitored("stage")
		public CompletionStage<String> stage() {
			return CompletableFuture.completedFuture("stage");
		}

	}

	public static class RetriedMono {

		@Retry("instant")
		public Mono<String> call() {
			return Mono.error(new IOException("lazy"));
		}

	}

	public static class RateLimitedFlux {

		@RateLimited("limited")
		public Flux<String> call() {
			return Flux.just("lazy");
		}

	}

	public static class RateLimitedMonoSubclass {

		@RateLimited("limited")
		public OwnMono call() {
			return new OwnMono();
		}

	}

	/** A Mono subclass: the annotations' operators could not return one. */
	public static class OwnMono extends Mono<String> {

		@Override
		public void subscribe(reactor.core.CoreSubscriber<? super String> actual) {
			Mono.just("own").subscribe(actual);
		}

	}

	public static class MonitoredPublisher {

		@Monitored("publisher")
		public Publisher<String> call() {
			return Flux.just("lazy");
		}

	}

	public static class RetriedFlowPublisher {

		@Retry("instant")
		public Flow.Publisher<String> call() {
			return new SubmissionPublisher<>();
		}

	}

	public static class MonitoredFuture {

		@Monitored("future")
		public Future<String> call() {
			return new FutureTask<>(() -> "lazy");
		}

	}

	public static class RateLimitedStream {

		@RateLimited("limited")
		public Stream<String> call() {
			return Stream.of("lazy");
		}

	}

	@Monitored("all")
	@Retry("instant")
	@RateLimited("counted")
	public static class AllOnMono {

		public Mono<Void> call() {
			return Mono.empty();
		}

	}

}
