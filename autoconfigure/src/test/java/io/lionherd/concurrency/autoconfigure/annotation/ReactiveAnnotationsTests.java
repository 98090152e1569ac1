package io.lionherd.concurrency.autoconfigure.annotation;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.ExecutionType;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.MonitorRecorder;
import io.lionherd.concurrency.annotation.ConcurrencyLimited;
import io.lionherd.concurrency.annotation.Monitored;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;
import io.lionherd.concurrency.autoconfigure.AsyncUtilsBuilderCustomizer;
import io.lionherd.concurrency.autoconfigure.LionherdAnnotationsAutoConfiguration;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyAutoConfiguration;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.ratelimit.RateLimitExceededException;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.ReactorBlockHoundIntegration;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for lionherd's annotations on methods returning a {@code Mono} or a {@code Flux}:
 * the core's Reactor operators, per subscription, nested as
 * {@code @Monitored(@Retry(@RateLimited(@ConcurrencyLimited(method))))}, never blocking a
 * non-blocking thread (BlockHound watches Reactor's threads in this JVM).
 */
class ReactiveAnnotationsTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
				LionherdAnnotationsAutoConfiguration.class))
		.withUserConfiguration(TestConfiguration.class)
		.withPropertyValues("lionherd.concurrency.rate-limiters.single.max-calls=1",
				"lionherd.concurrency.rate-limiters.single.period=1s",
				"lionherd.concurrency.rate-limiters.wide.max-calls=10",
				"lionherd.concurrency.rate-limiters.wide.period=1s",
				"lionherd.concurrency.capacity-limiters.two.total=2",
				"lionherd.concurrency.capacity-limiters.one.total=1",
				"lionherd.concurrency.retries.instant.max-attempts=3",
				"lionherd.concurrency.retries.instant.base-delay=0s",
				"lionherd.concurrency.retries.instant.max-delay=0s", "lionherd.concurrency.retries.instant.jitter=0");

	@BeforeAll
	static void installBlockHound() {
		// Reactor's parallel threads only: BlockHound stays installed for the other test
		// classes of this JVM, whose Lettuce threads are NonBlocking too, as Netty's are
		// with its integration.
		BlockHound.builder()
			.with(new ReactorBlockHoundIntegration())
			.nonBlockingThreadPredicate(
					(nonBlocking) -> nonBlocking.and((thread) -> thread.getName().startsWith("parallel-")))
			.install();
	}

	// --- @RateLimited

	@Test
	void rateLimitedMonoCalledOnAParallelThreadWaitsForItsPermitWithoutBlocking() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			assertThat(AopUtils.isAopProxy(service)).isTrue();
			RateLimiter limiter = rateLimiter(context, "single");
			assertThat(limiter.tryAcquire()).isTrue();
			StepVerifier.create(Mono.defer(service::rateLimited).subscribeOn(Schedulers.parallel()))
				.expectSubscription()
				.then(() -> await().atMost(WAIT).until(() -> limiter.waitingCount() == 1))
				.then(() -> assertThat(service.invocations()).hasValue(0))
				.then(() -> time(context).advance(Duration.ofSeconds(1)))
				.expectNext("quote")
				.expectComplete()
				.verify(WAIT);
			assertThat(service.invocations()).hasValue(1);
		});
	}

	@Test
	void blockHoundFlagsABlockingCallOnAParallelThread() {
		// the test above could fail: BlockHound is on for this class
		StepVerifier.create(Mono.fromCallable(() -> {
			Thread.sleep(1);
			return "slept";
		}).subscribeOn(Schedulers.parallel())).expectError(BlockingOperationError.class).verify(WAIT);
	}

	@Test
	void cancellingWhileWaitingForAPermitChargesNothingAndNeverInvokesTheMethod() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			RateLimiter limiter = rateLimiter(context, "single");
			assertThat(limiter.tryAcquire()).isTrue();
			Disposable waiting = service.rateLimited().subscribe();
			assertThat(limiter.waitingCount()).isOne();
			waiting.dispose();
			assertThat(limiter.waitingCount()).isZero();
			time(context).advance(Duration.ofSeconds(1));
			assertThat(limiter.availablePermits()).isOne();
			assertThat(service.invocations()).hasValue(0);
		});
	}

	@Test
	void annotationTimeoutZeroRefusesAtOnceWithoutWaitingForTheWindow() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			RateLimiter limiter = rateLimiter(context, "single");
			assertThat(limiter.tryAcquire()).isTrue();
			// time never moves here: a refusal that came only after a wait would never
			// come
			StepVerifier.create(service.rateLimitedNow())
				.expectError(RateLimitExceededException.class)
				.verify(Duration.ofSeconds(5));
			assertThat(limiter.waitingCount()).isZero();
			assertThat(service.invocations()).hasValue(0);
		});
	}

	@Test
	void callingTheMethodDoesNothingUntilSubscribed() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			Mono<String> quote = service.rateLimited();
			assertThat(service.invocations()).hasValue(0);
			assertThat(rateLimiter(context, "single").availablePermits()).isOne();
			StepVerifier.create(quote).expectNext("quote").verifyComplete();
			assertThat(rateLimiter(context, "single").availablePermits()).isZero();
		});
	}

	@Test
	void fluxTakesOnePermitPerSubscriptionNotPerElement() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			Flux<Integer> numbers = service.rateLimitedFlux();
			StepVerifier.create(numbers).expectNext(1, 2, 3, 4, 5).verifyComplete();
			assertThat(rateLimiter(context, "wide").availablePermits()).isEqualTo(9);
			StepVerifier.create(numbers).expectNext(1, 2, 3, 4, 5).verifyComplete();
			assertThat(rateLimiter(context, "wide").availablePermits()).isEqualTo(8);
		});
	}

	@Test
	void permitsAreEvaluatedOncePerCallAndAskedForByEverySubscription() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			AtomicInteger evaluations = new AtomicInteger(2);
			StepVerifier.create(service.weighted(evaluations)).expectError(IOException.class).verify(WAIT);
			assertThat(evaluations).as("evaluated once").hasValue(3);
			assertThat(service.invocations()).as("attempts").hasValue(3);
			assertThat(rateLimiter(context, "wide").availablePermits()).as("2 permits per attempt").isEqualTo(4);
		});
	}

	// --- @Retry

	@Test
	void retryResubscribesExactlyMaxAttemptsTimes() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			Mono<String> retried = service.failing();
			assertThat(service.invocations()).hasValue(0);
			StepVerifier.create(retried).expectError(IOException.class).verify(WAIT);
			assertThat(service.invocations()).hasValue(3);
			assertThat(service.subscriptions()).hasValue(3);
		});
	}

	@Test
	void retryIsReportedToTheRetryRecorderUnderItsPolicysName() {
		List<String> recorded = new CopyOnWriteArrayList<>();
		this.contextRunner.withBean(Service.class)
			.withBean(AsyncUtilsBuilderCustomizer.class,
					() -> (builder) -> builder
						.retryRecorder((name, kind) -> recorded.add(name + ":" + kind.tagValue())))
			.run((context) -> {
				StepVerifier.create(context.getBean(Service.class).failing())
					.expectError(IOException.class)
					.verify(WAIT);
				assertThat(recorded).containsExactly("instant:failed_with_retry");
			});
	}

	@Test
	void retryOfAFluxResubscribesFromItsStart() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			StepVerifier.create(service.failingFlux())
				.expectNext("a", "a", "a")
				.expectError(IOException.class)
				.verify(WAIT);
			assertThat(service.subscriptions()).hasValue(3);
		});
	}

	@Test
	void everyAttemptSeesTheCallersMdcAndReactorContext() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			Mono<String> retried;
			MDC.put("requestId", "r-1");
			try {
				retried = service.contextual();
			}
			finally {
				MDC.clear();
			}
			// subscribed later, on a thread whose own MDC is not the caller's
			StepVerifier.create(retried.contextWrite(Context.of("tenant", "t-1")).subscribeOn(Schedulers.parallel()))
				.expectError(IOException.class)
				.verify(WAIT);
			assertThat(service.seen()).containsExactly("r-1/t-1", "r-1/t-1", "r-1/t-1");
			assertThat(MDC.get("requestId")).isNull();
		});
	}

	@Test
	void methodPermittedLaterRunsInTheCallersMdc() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			assertThat(rateLimiter(context, "single").tryAcquire()).isTrue();
			Mono<String> quote;
			MDC.put("requestId", "r-2");
			try {
				quote = service.rateLimitedContextual();
			}
			finally {
				MDC.clear();
			}
			StepVerifier.create(quote)
				.then(() -> time(context).advance(Duration.ofSeconds(1)))
				.expectNext("r-2")
				.verifyComplete();
			assertThat(MDC.get("requestId")).isNull();
		});
	}

	// --- @Monitored

	@Test
	void monitorRecordsSuccessErrorAndCancelFromSubscriptionToTerminalSignal() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			RecordingMonitor monitor = context.getBean(RecordingMonitor.class);
			Sinks.One<String> reply = Sinks.one();
			service.replies().add(reply);
			Mono<String> monitored = service.monitored();
			assertThat(monitor.records()).isEmpty();
			StepVerifier.create(monitored)
				.then(() -> assertThat(monitor.records()).isEmpty())
				.then(() -> reply.tryEmitValue("done"))
				.expectNext("done")
				.verifyComplete();
			Sinks.One<String> failure = Sinks.one();
			service.replies().add(failure);
			StepVerifier.create(service.monitored())
				.then(() -> failure.tryEmitError(new IOException("down")))
				.expectError(IOException.class)
				.verify(WAIT);
			service.replies().add(Sinks.one());
			service.monitored().subscribe().dispose();
			assertThat(monitor.records()).containsExactly("quotes:success", "quotes:IOException", "quotes:cancelled");
		});
	}

	// --- @ConcurrencyLimited

	@Test
	void subscriptionBeyondTheTotalWaitsUntilARunningOneCompletes() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			ConcurrencyLimit limit = concurrencyLimit(context, "two");
			List<Sinks.One<String>> replies = List.of(Sinks.one(), Sinks.one(), Sinks.one());
			service.replies().addAll(replies);
			Mono<String> first = service.limited().cache();
			first.subscribe();
			service.limited().subscribe();
			Mono<String> third = service.limited().cache();
			third.subscribe();
			assertThat(service.invocations()).hasValue(2);
			assertThat(limit.waitingCount()).isOne();
			replies.get(0).tryEmitValue("first");
			assertThat(first.block(WAIT)).isEqualTo("first");
			assertThat(service.invocations()).hasValue(3);
			assertThat(limit.inUse()).isEqualTo(2);
			replies.get(2).tryEmitValue("third");
			assertThat(third.block(WAIT)).isEqualTo("third");
			assertThat(limit.inUse()).isOne();
		});
	}

	@Test
	void errorReleasesTheConcurrencyPermit() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			Sinks.One<String> reply = Sinks.one();
			service.replies().add(reply);
			StepVerifier.create(service.limited())
				.then(() -> assertThat(concurrencyLimit(context, "two").inUse()).isOne())
				.then(() -> reply.tryEmitError(new IOException("down")))
				.expectError(IOException.class)
				.verify(WAIT);
			assertThat(concurrencyLimit(context, "two").inUse()).isZero();
		});
	}

	@Test
	void cancelReleasesTheConcurrencyPermit() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			service.replies().add(Sinks.one());
			Disposable running = service.limited().subscribe();
			assertThat(concurrencyLimit(context, "two").inUse()).isOne();
			running.dispose();
			assertThat(concurrencyLimit(context, "two").inUse()).isZero();
		});
	}

	@Test
	void fluxHoldsItsConcurrencyPermitUntilItCompletes() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			ConcurrencyLimit limit = concurrencyLimit(context, "one");
			Sinks.Many<String> chunks = Sinks.many().unicast().onBackpressureBuffer();
			service.streams().add(chunks);
			StepVerifier.create(service.limitedFlux())
				.then(() -> chunks.tryEmitNext("a"))
				.expectNext("a")
				.then(() -> assertThat(limit.inUse()).isOne())
				.then(() -> chunks.tryEmitNext("b"))
				.expectNext("b")
				.then(() -> assertThat(limit.inUse()).isOne())
				.then(chunks::tryEmitComplete)
				.verifyComplete();
			assertThat(limit.inUse()).isZero();
		});
	}

	// --- nesting: @Monitored ( @Retry ( @RateLimited ( @ConcurrencyLimited ( method ) )
	// ) )

	@Test
	void monoWaitingForARateLimitPermitHoldsNoConcurrencyPermit() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			ConcurrencyLimit limit = concurrencyLimit(context, "one");
			assertThat(rateLimiter(context, "single").tryAcquire()).isTrue();
			Sinks.One<String> reply = Sinks.one();
			service.replies().add(reply);
			StepVerifier.create(service.rateAndConcurrencyLimited())
				.then(() -> assertThat(rateLimiter(context, "single").waitingCount()).isOne())
				.then(() -> assertThat(limit.inUse()).isZero())
				.then(() -> time(context).advance(Duration.ofSeconds(1)))
				.then(() -> assertThat(limit.inUse()).isOne())
				.then(() -> reply.tryEmitValue("done"))
				.expectNext("done")
				.verifyComplete();
			assertThat(limit.inUse()).isZero();
		});
	}

	@Test
	void monitorTimesEveryAttemptOfTheRetryAsOneSubscription() {
		this.contextRunner.withBean(Service.class).run((context) -> {
			Service service = context.getBean(Service.class);
			StepVerifier.create(service.everything()).expectError(IOException.class).verify(WAIT);
			assertThat(service.invocations()).hasValue(3);
			assertThat(rateLimiter(context, "wide").availablePermits()).isEqualTo(7);
			assertThat(concurrencyLimit(context, "one").inUse()).isZero();
			assertThat(context.getBean(RecordingMonitor.class).records()).containsExactly("all:IOException");
		});
	}

	// --- without Reactor

	@Test
	void withoutReactorBlockingMethodsAreAnnotatedAsBefore() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("reactor."))
			.withBean(BlockingService.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				BlockingService service = context.getBean(BlockingService.class);
				assertThat(service.call()).isEqualTo("called");
				assertThat(rateLimiter(context, "single").availablePermits()).isZero();
			});
	}

	@Test
	void withoutReactorAMonoMethodStopsStartup() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("reactor."))
			.withBean("monoService", MonoService.class)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("bean 'monoService'")
				.hasMessageContaining(
						"@Retry cannot handle the return type reactor.core.publisher.Mono<java.lang.String>, "
								+ "a Reactor type without Reactor on the application's class path"));
	}

	private static RateLimiter rateLimiter(AssertableApplicationContext context, String name) {
		return context.getBean(RateLimiterRegistry.class).get(name);
	}

	private static ConcurrencyLimit concurrencyLimit(AssertableApplicationContext context, String name) {
		return context.getBean(ConcurrencyLimitRegistry.class).get(name);
	}

	private static ManualTime time(AssertableApplicationContext context) {
		return context.getBean(ManualTime.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class TestConfiguration {

		@Bean
		ManualTime manualTime() {
			return new ManualTime();
		}

		@Bean
		AsyncUtilsBuilderCustomizer manualClock(ManualTime time) {
			return time::configure;
		}

		@Bean
		RecordingMonitor recordingMonitor() {
			return new RecordingMonitor();
		}

	}

	/** Records {@code name:outcome} per monitored call. */
	static class RecordingMonitor implements MonitorRecorder {

		private final List<String> records = new CopyOnWriteArrayList<>();

		List<String> records() {
			return this.records;
		}

		@Override
		public void record(String name, ExecutionType type, @Nullable Throwable error, long nanos) {
			this.records.add(name + ":" + ((error != null) ? error.getClass().getSimpleName() : "success"));
		}

		@Override
		public void recordCancelled(String name, ExecutionType type, long nanos) {
			this.records.add(name + ":cancelled");
		}

	}

	public static class Service {

		private final AtomicInteger invocations = new AtomicInteger();

		private final AtomicInteger subscriptions = new AtomicInteger();

		private final List<String> seen = new CopyOnWriteArrayList<>();

		private final List<Sinks.One<String>> replies = new CopyOnWriteArrayList<>();

		private final List<Sinks.Many<String>> streams = new CopyOnWriteArrayList<>();

		public AtomicInteger invocations() {
			return this.invocations;
		}

		public AtomicInteger subscriptions() {
			return this.subscriptions;
		}

		public List<String> seen() {
			return this.seen;
		}

		public List<Sinks.One<String>> replies() {
			return this.replies;
		}

		public List<Sinks.Many<String>> streams() {
			return this.streams;
		}

		@RateLimited("single")
		public Mono<String> rateLimited() {
			this.invocations.incrementAndGet();
			return Mono.just("quote");
		}

		@RateLimited(value = "single", timeout = "0")
		public Mono<String> rateLimitedNow() {
			this.invocations.incrementAndGet();
			return Mono.just("quote");
		}

		@RateLimited("wide")
		public Flux<Integer> rateLimitedFlux() {
			return Flux.range(1, 5);
		}

		@Retry("instant")
		@RateLimited(value = "wide", permits = "#evaluations.getAndIncrement()")
		public Mono<String> weighted(AtomicInteger evaluations) {
			this.invocations.incrementAndGet();
			return Mono.error(new IOException("down"));
		}

		@Retry("instant")
		public Mono<String> failing() {
			this.invocations.incrementAndGet();
			return Mono.defer(() -> {
				this.subscriptions.incrementAndGet();
				return Mono.error(new IOException("down"));
			});
		}

		@Retry("instant")
		public Flux<String> failingFlux() {
			return Flux.defer(() -> {
				this.subscriptions.incrementAndGet();
				return Flux.concat(Flux.just("a"), Flux.error(new IOException("down")));
			});
		}

		@Retry("instant")
		public Mono<String> contextual() {
			String requestId = MDC.get("requestId");
			return Mono.deferContextual((view) -> {
				this.seen.add(requestId + "/" + view.getOrDefault("tenant", "none"));
				return Mono.error(new IOException("down"));
			});
		}

		@RateLimited("single")
		public Mono<String> rateLimitedContextual() {
			return Mono.just(String.valueOf(MDC.get("requestId")));
		}

		@Monitored("quotes")
		public Mono<String> monitored() {
			return this.replies.remove(0).asMono();
		}

		@ConcurrencyLimited("two")
		public Mono<String> limited() {
			this.invocations.incrementAndGet();
			return this.replies.remove(0).asMono();
		}

		@ConcurrencyLimited("one")
		public Flux<String> limitedFlux() {
			return this.streams.remove(0).asFlux();
		}

		@RateLimited("single")
		@ConcurrencyLimited("one")
		public Mono<String> rateAndConcurrencyLimited() {
			return this.replies.remove(0).asMono();
		}

		@Monitored("all")
		@Retry("instant")
		@RateLimited("wide")
		@ConcurrencyLimited("one")
		public Mono<String> everything() {
			this.invocations.incrementAndGet();
			return Mono.error(new IOException("down"));
		}

	}

	public static class BlockingService {

		@RateLimited("single")
		public String call() {
			return "called";
		}

	}

	public static class MonoService {

		@Retry("instant")
		public Mono<String> call() {
			return Mono.just("called");
		}

	}

}
