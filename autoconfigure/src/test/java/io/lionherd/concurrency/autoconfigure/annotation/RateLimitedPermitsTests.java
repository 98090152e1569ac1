package io.lionherd.concurrency.autoconfigure.annotation;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

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
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Tests of {@code @RateLimited(permits = ...)}: a SpEL expression over the method's
 * arguments giving the permits each call asks for. Time is manual. Limiters:
 * {@code tokens} (3 calls and 10 permits per second, waits without limit), {@code window}
 * (10 permits per second, the one-limit shorthand) and {@code hourly} (10 permits and 100
 * calls per hour, does not wait).
 */
class RateLimitedPermitsTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
				LionherdAnnotationsAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(ManualClockConfiguration.class)
		.withPropertyValues("lionherd.concurrency.rate-limiters.tokens.limits[0].max=3",
				"lionherd.concurrency.rate-limiters.tokens.limits[0].period=1s",
				"lionherd.concurrency.rate-limiters.tokens.limits[0].counts=calls",
				"lionherd.concurrency.rate-limiters.tokens.limits[1].max=10",
				"lionherd.concurrency.rate-limiters.tokens.limits[1].period=1s",
				"lionherd.concurrency.rate-limiters.window.max-calls=10",
				"lionherd.concurrency.rate-limiters.window.period=1s",
				"lionherd.concurrency.rate-limiters.hourly.limits[0].max=10",
				"lionherd.concurrency.rate-limiters.hourly.limits[0].period=1h",
				"lionherd.concurrency.rate-limiters.hourly.limits[1].max=100",
				"lionherd.concurrency.rate-limiters.hourly.limits[1].period=1h",
				"lionherd.concurrency.rate-limiters.hourly.limits[1].counts=calls",
				"lionherd.concurrency.rate-limiters.hourly.timeout=0s",
				"lionherd.concurrency.retries.twice.max-attempts=2", "lionherd.concurrency.retries.twice.base-delay=0s",
				"lionherd.concurrency.retries.twice.max-delay=0s",
				"lionherd.concurrency.retries.twice.retry-on=java.lang.IllegalStateException");

	@Test
	void blockingCallTakesThePermitsItsParameterNames() {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			assertThat(service.complete(7)).isEqualTo("7 tokens");
			assertThat(limiter(context, "tokens").availablePermits()).isEqualTo(3);
			assertThat(service.complete(3)).isEqualTo("3 tokens");
			assertThat(limiter(context, "tokens").availablePermits()).isZero();
		});
	}

	@Test
	void blockingCallWaitsUntilEveryLimitHasRoomForItsPermits() {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			service.complete(8);
			CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> service.complete(5));
			await(() -> limiter(context, "tokens").waitingCount() == 1);
			assertThat(second).isNotDone();
			time(context).advance(Duration.ofSeconds(1));
			assertThat(second).succeedsWithin(Duration.ofSeconds(30)).isEqualTo("5 tokens");
			assertThat(service.calls()).isEqualTo(2);
		});
	}

	@Test
	void callsLimitCountsEachCallOnceWhateverItsPermits() {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			service.complete(1);
			service.complete(1);
			service.complete(1);
			assertThat(limiter(context, "tokens").tryAcquire(1)).as("a fourth call of the 3 allowed").isFalse();
		});
	}

	@Test
	void asyncCallTakesItsPermitsAndRunsWhenTheyAreGranted() {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			assertThat(service.completeAsync(6)).isCompletedWithValue("6 tokens");
			CompletableFuture<String> second = service.completeAsync(6);
			assertThat(second).isNotDone();
			assertThat(service.calls()).isOne();
			assertThat(limiter(context, "tokens").waitingCount()).isOne();
			time(context).advance(Duration.ofSeconds(1));
			assertThat(second).isCompletedWithValue("6 tokens");
			assertThat(service.calls()).isEqualTo(2);
		});
	}

	@Test
	void cancellingAPendingWeightedAsyncCallChargesNothing() {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			service.completeAsync(6);
			CompletableFuture<String> cancelled = service.completeAsync(6);
			cancelled.cancel(true);
			assertThat(limiter(context, "tokens").waitingCount()).isZero();
			assertThat(service.completeAsync(4)).isCompletedWithValue("4 tokens");
			assertThat(service.calls()).isEqualTo(2);
		});
	}

	@Test
	void permitsOfAPropertyOfAnArgumentAreTaken() {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			assertThat(service.request(new CompletionRequest("hi", 9))).isEqualTo("hi: 9 tokens");
			assertThat(limiter(context, "tokens").availablePermits()).isEqualTo(1);
		});
	}

	@Test
	void permitsOfAnArgumentByPositionAreTaken() {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			service.byPosition("prompt", 4L);
			assertThat(limiter(context, "tokens").availablePermits()).isEqualTo(6);
			service.byAlias("prompt", 5L);
			assertThat(limiter(context, "tokens").availablePermits()).isEqualTo(1);
		});
	}

	@Test
	void permitsOfAStringOfDigitsAreTaken() {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			service.anything("8");
			assertThat(limiter(context, "tokens").availablePermits()).isEqualTo(2);
		});
	}

	@Test
	void permitsOnTheOneLimitShorthandAreTaken() {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			service.window(9);
			assertThat(limiter(context, "window").availablePermits()).isEqualTo(1);
			assertThat(limiter(context, "window").tryAcquire(2)).isFalse();
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "0", "-3", "2.5", "many", "", "null", "99999999999999999999" })
	void permitsThatAreNotAPositiveWholeNumberFailTheCallNamingMethodAndExpression(String value) {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			Object argument = switch (value) {
				case "2.5" -> 2.5;
				case "-3" -> -3;
				case "0" -> 0L;
				case "null" -> null;
				default -> value;
			};
			assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> service.anything(argument))
				.withMessageContaining("@RateLimited(permits = \"#value\")")
				.withMessageContaining("TokenService.anything()")
				.withMessageContaining("positive whole number");
			assertThat(service.calls()).isZero();
			assertThat(limiter(context, "tokens").availablePermits()).isEqualTo(10);
		});
	}

	@Test
	void permitsAboveWhatALimitCouldEverGrantFailTheCallNamingMethodExpressionAndLimit() {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> service.complete(11))
				.withMessageContaining("@RateLimited(permits = \"#tokens\")")
				.withMessageContaining("TokenService.complete()")
				.withMessageContaining("yielded 11")
				.withMessageContaining("limits[1].max");
			assertThat(service.calls()).isZero();
		});
	}

	@Test
	void asyncCallWithBadPermitsFailsItsFutureAndNeverRunsTheMethod() {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			CompletableFuture<String> future = service.completeAsync(0);
			assertThat(future).isCompletedExceptionally();
			assertThat(catchThrowable(future::join)).cause()
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("TokenService.completeAsync()")
				.hasMessageContaining("yielded 0");
			assertThat(service.calls()).isZero();
		});
	}

	@Test
	void monitoredCallWithBadPermitsIsRecordedAsAFailure() {
		this.contextRunner.withBean(TokenService.class)
			.withBean(SimpleMeterRegistry.class)
			.withConfiguration(AutoConfigurations.of(LionherdMetricsAutoConfiguration.class))
			.run((context) -> {
				TokenService service = context.getBean(TokenService.class);
				assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> service.monitored(-1));
				assertThat(context.getBean(MeterRegistry.class)
					.get("lionherd.monitor")
					.tags("name", "completion", "exception", "IllegalArgumentException")
					.timer()
					.count()).isOne();
			});
	}

	@Test
	void refusedWeightedCallSaysWhenItCouldHaveBeenGranted() {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			service.hourly(6);
			time(context).advance(Duration.ofMinutes(15));
			RateLimitExceededException refused = catchThrowableOfType(() -> service.hourly(5));
			assertThat(refused.limiterName()).isEqualTo("hourly");
			assertThat(refused.retryAfter()).contains(Duration.ofMinutes(45));
			assertThat(service.hourly(4)).as("the refusal charged nothing").isEqualTo("4 tokens");
		});
	}

	@Test
	void eachAttemptOfARetriedCallTakesThePermitsEvaluatedOnce() {
		this.contextRunner.withBean(TokenService.class).run((context) -> {
			TokenService service = context.getBean(TokenService.class);
			CountingTokens tokens = new CountingTokens(4);
			assertThat(service.flaky(tokens)).isEqualTo("4 tokens on attempt 2");
			assertThat(limiter(context, "tokens").availablePermits()).as("4 permits twice").isEqualTo(2);
			assertThat(tokens.reads()).isOne();
		});
	}

	@Test
	void unparsablePermitsStopStartupNamingBeanMethodAndExpression() {
		this.contextRunner.withBean("unparsablePermitsService", UnparsablePermits.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("bean 'unparsablePermitsService'")
				.hasMessageContaining("UnparsablePermits.call()")
				.hasMessageContaining("unparsable permits expression '#request.'");
		});
	}

	private static RateLimitExceededException catchThrowableOfType(Runnable call) {
		Throwable thrown = catchThrowable(call::run);
		assertThat(thrown).isInstanceOf(RateLimitExceededException.class);
		return (RateLimitExceededException) thrown;
	}

	private static void await(java.util.concurrent.Callable<Boolean> condition) {
		org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(condition);
	}

	private static RateLimiter limiter(AssertableApplicationContext context, String name) {
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

	/** A request whose size is one of its properties. */
	public record CompletionRequest(String prompt, int maxTokens) {
	}

	/** Tokens that count how often the expression reads them. */
	public static final class CountingTokens {

		private final int count;

		private final AtomicInteger reads = new AtomicInteger();

		CountingTokens(int count) {
			this.count = count;
		}

		public int getCount() {
			this.reads.incrementAndGet();
			return this.count;
		}

		int reads() {
			return this.reads.get();
		}

	}

	public static class TokenService {

		private final AtomicInteger calls = new AtomicInteger();

		private final AtomicInteger attempts = new AtomicInteger();

		@RateLimited(value = "tokens", permits = "#tokens")
		public String complete(int tokens) {
			this.calls.incrementAndGet();
			return tokens + " tokens";
		}

		@RateLimited(value = "tokens", permits = "#tokens")
		public CompletableFuture<String> completeAsync(int tokens) {
			this.calls.incrementAndGet();
			return CompletableFuture.completedFuture(tokens + " tokens");
		}

		@RateLimited(value = "tokens", permits = "#request.maxTokens")
		public String request(CompletionRequest request) {
			this.calls.incrementAndGet();
			return request.prompt() + ": " + request.maxTokens() + " tokens";
		}

		@RateLimited(value = "tokens", permits = "#p1")
		public String byPosition(String prompt, long tokens) {
			return prompt;
		}

		@RateLimited(value = "tokens", permits = "#a1")
		public String byAlias(String prompt, long tokens) {
			return prompt;
		}

		@RateLimited(value = "tokens", permits = "#value")
		public String anything(Object value) {
			this.calls.incrementAndGet();
			return String.valueOf(value);
		}

		@Monitored("completion")
		@RateLimited(value = "tokens", permits = "#tokens")
		public String monitored(int tokens) {
			return tokens + " tokens";
		}

		@RateLimited(value = "window", permits = "#tokens")
		public String window(int tokens) {
			return tokens + " tokens";
		}

		@RateLimited(value = "hourly", permits = "#tokens")
		public String hourly(int tokens) {
			return tokens + " tokens";
		}

		@Retry("twice")
		@RateLimited(value = "tokens", permits = "#tokens.count")
		public String flaky(CountingTokens tokens) {
			if (this.attempts.incrementAndGet() == 1) {
				throw new IllegalStateException("first attempt fails");
			}
			return tokens.count + " tokens on attempt " + this.attempts.get();
		}

		int calls() {
			return this.calls.get();
		}

	}

	public static class UnparsablePermits {

		@RateLimited(value = "tokens", permits = "#request.")
		public String call() {
			return "never";
		}

	}

}
