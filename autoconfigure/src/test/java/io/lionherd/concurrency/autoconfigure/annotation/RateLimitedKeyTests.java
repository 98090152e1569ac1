package io.lionherd.concurrency.autoconfigure.annotation;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;
import io.lionherd.concurrency.autoconfigure.LionherdAnnotationsAutoConfiguration;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyAutoConfiguration;
import io.lionherd.concurrency.ratelimit.RateLimitExceededException;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Tests of {@code @RateLimited(key = ...)}: a SpEL expression over the method's arguments
 * naming the client whose own limit a call counts against. The limiters' windows are an
 * hour long and they do not wait, so no test depends on the clock, but for
 * {@code per-second} (1 per second, waits without limit) on a manual clock. Limiters:
 * {@code per-user} (2 per hour), {@code tokens-per-user} (10 permits per hour),
 * {@code one-key} (5 per hour, at most 1 live key) and {@code per-second}.
 */
class RateLimitedKeyTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
				LionherdAnnotationsAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withBean(UserService.class)
		.withPropertyValues("lionherd.concurrency.rate-limiters.per-user.max-calls=2",
				"lionherd.concurrency.rate-limiters.per-user.period=1h",
				"lionherd.concurrency.rate-limiters.per-user.timeout=0s",
				"lionherd.concurrency.rate-limiters.tokens-per-user.max-calls=10",
				"lionherd.concurrency.rate-limiters.tokens-per-user.period=1h",
				"lionherd.concurrency.rate-limiters.tokens-per-user.timeout=0s",
				"lionherd.concurrency.rate-limiters.one-key.max-calls=5",
				"lionherd.concurrency.rate-limiters.one-key.period=1h",
				"lionherd.concurrency.rate-limiters.one-key.timeout=0s",
				"lionherd.concurrency.rate-limiters.one-key.max-keys=1",
				"lionherd.concurrency.rate-limiters.per-second.max-calls=1",
				"lionherd.concurrency.rate-limiters.per-second.period=1s",
				"lionherd.concurrency.retries.twice.max-attempts=2", "lionherd.concurrency.retries.twice.base-delay=0s",
				"lionherd.concurrency.retries.twice.max-delay=0s",
				"lionherd.concurrency.retries.twice.retry-on=java.lang.IllegalStateException");

	@Test
	void eachKeyGetsTheWholeLimit() {
		this.contextRunner.run((context) -> {
			UserService service = context.getBean(UserService.class);
			assertThat(service.hello(new User("alice"))).isEqualTo("hello alice");
			assertThat(service.hello(new User("alice"))).isEqualTo("hello alice");
			assertThat(service.hello(new User("bob"))).isEqualTo("hello bob");
			assertThat(service.hello(new User("bob"))).isEqualTo("hello bob");
			assertThat(service.calls()).isEqualTo(4);
			assertThat(limiter(context, "per-user").availablePermits()).as("the named limiter itself is untouched")
				.isEqualTo(2);
		});
	}

	@Test
	void callsOfOneKeyShareItsLimit() {
		this.contextRunner.run((context) -> {
			UserService service = context.getBean(UserService.class);
			service.hello(new User("alice"));
			service.byPosition("alice");
			RateLimitExceededException refused = refused(() -> service.hello(new User("alice")));
			assertThat(refused.limiterName()).isEqualTo("per-user");
			assertThat(service.calls()).isEqualTo(2);
			assertThat(context.getBean(RateLimiterRegistry.class).get("per-user", "alice").availablePermits()).isZero();
			assertThat(service.hello(new User("bob"))).as("another key still has its limit").isEqualTo("hello bob");
		});
	}

	@Test
	void keyIsTheStringOfTheValue() {
		this.contextRunner.run((context) -> {
			UserService service = context.getBean(UserService.class);
			UUID id = UUID.fromString("6c1b2f0e-4a8e-4a0b-9a57-0d6f3c1e2b7d");
			service.byPosition(id);
			service.byAlias(id.toString());
			refused(() -> service.byPosition(id.toString()));
			service.byPosition(42);
			service.byPosition(42L);
			refused(() -> service.byPosition("42"));
			service.byPosition(Plan.GOLD);
			assertThat(context.getBean(RateLimiterRegistry.class).get("per-user", "GOLD").availablePermits()).isOne();
		});
	}

	@Test
	void asyncCallOfAnExhaustedKeyFailsItsFutureAndLeavesOtherKeysAlone() {
		this.contextRunner.run((context) -> {
			UserService service = context.getBean(UserService.class);
			assertThat(service.helloAsync(new User("alice"))).isCompletedWithValue("hello alice");
			assertThat(service.helloAsync(new User("alice"))).isCompletedWithValue("hello alice");
			CompletableFuture<String> third = service.helloAsync(new User("alice"));
			assertThat(catchThrowable(third::join)).cause().isInstanceOf(RateLimitExceededException.class);
			assertThat(service.helloAsync(new User("bob"))).isCompletedWithValue("hello bob");
			assertThat(service.calls()).isEqualTo(3);
		});
	}

	@Test
	void asyncCallWaitsForItsKeysPermitWithoutHoldingBackOtherKeys() {
		this.contextRunner.withUserConfiguration(RateLimitedPermitsTests.ManualClockConfiguration.class)
			.run((context) -> {
				UserService service = context.getBean(UserService.class);
				assertThat(service.perSecond(new User("alice"))).isCompletedWithValue("hello alice");
				CompletableFuture<String> second = service.perSecond(new User("alice"));
				assertThat(second).isNotDone();
				assertThat(context.getBean(RateLimiterRegistry.class).get("per-second", "alice").waitingCount())
					.isOne();
				assertThat(service.perSecond(new User("bob"))).isCompletedWithValue("hello bob");
				context.getBean(ManualTime.class).advance(Duration.ofSeconds(1));
				assertThat(second).isCompletedWithValue("hello alice");
				assertThat(service.calls()).isEqualTo(3);
			});
	}

	@ParameterizedTest
	@NullAndEmptySource
	void nullOrEmptyKeyFailsTheCallNamingMethodAndExpression(@Nullable String key) {
		this.contextRunner.run((context) -> {
			UserService service = context.getBean(UserService.class);
			assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> service.byPosition(key))
				.withMessageContaining("@RateLimited(key = \"#p0\")")
				.withMessageContaining("UserService.byPosition()")
				.withMessageContaining("yielded " + ((key != null) ? "''" : "null"));
			assertThat(service.calls()).isZero();
			assertThat(limiter(context, "per-user").availablePermits()).isEqualTo(2);
		});
	}

	@ParameterizedTest
	@NullAndEmptySource
	void nullOrEmptyKeyFailsTheFutureOfAnAsyncCallNamingMethodAndExpression(@Nullable String key) {
		this.contextRunner.run((context) -> {
			UserService service = context.getBean(UserService.class);
			CompletableFuture<String> future = service.helloAsync(new User(key));
			assertThat(future).isCompletedExceptionally();
			assertThat(catchThrowable(future::join)).cause()
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("@RateLimited(key = \"#user.id\")")
				.hasMessageContaining("UserService.helloAsync()");
			assertThat(service.calls()).isZero();
		});
	}

	@Test
	void keyExpressionThatFailsFailsTheCallNamingMethodAndExpression() {
		this.contextRunner.run((context) -> {
			UserService service = context.getBean(UserService.class);
			assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> service.hello(null))
				.withMessageContaining("@RateLimited(key = \"#user.id\")")
				.withMessageContaining("UserService.hello()")
				.withMessageContaining("could not be evaluated");
			assertThat(service.calls()).isZero();
		});
	}

	@Test
	void keyedCallTakesThePermitsOfItsExpressionFromItsKey() {
		this.contextRunner.run((context) -> {
			UserService service = context.getBean(UserService.class);
			assertThat(service.tokens(new User("alice"), 7)).isEqualTo("alice: 7 tokens");
			refused(() -> service.tokens(new User("alice"), 4));
			assertThat(service.tokens(new User("bob"), 10)).isEqualTo("bob: 10 tokens");
			assertThat(service.tokens(new User("alice"), 3)).isEqualTo("alice: 3 tokens");
			assertThat(limiter(context, "tokens-per-user").availablePermits()).isEqualTo(10);
		});
	}

	@Test
	void eachAttemptOfARetriedCallTakesItsPermitFromTheKeyEvaluatedOnce() {
		this.contextRunner.run((context) -> {
			UserService service = context.getBean(UserService.class);
			CountingUser carol = new CountingUser("carol");
			assertThat(service.flaky(carol)).isEqualTo("carol on attempt 2");
			assertThat(carol.reads()).isOne();
			assertThat(context.getBean(RateLimiterRegistry.class).get("per-user", "carol").availablePermits())
				.as("a permit for each of the 2 attempts")
				.isZero();
			assertThat(limiter(context, "per-user").availablePermits()).isEqualTo(2);
		});
	}

	@Test
	void newKeyBeyondMaxKeysIsRefusedToABlockingCall() {
		this.contextRunner.run((context) -> {
			UserService service = context.getBean(UserService.class);
			assertThat(service.oneKey("first")).isEqualTo("first");
			RateLimitExceededException refused = refused(() -> service.oneKey("second"));
			assertThat(refused.limiterName()).isEqualTo("one-key");
			assertThat(service.calls()).isOne();
			assertThat(service.oneKey("first")).as("the live key keeps its limit").isEqualTo("first");
		});
	}

	@Test
	void unparsableKeyStopsStartupNamingBeanMethodAndExpression() {
		this.contextRunner.withBean("unparsableKeyService", UnparsableKey.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("bean 'unparsableKeyService'")
				.hasMessageContaining("UnparsableKey.call()")
				.hasMessageContaining("unparsable key expression '#user.'");
		});
	}

	private static RateLimitExceededException refused(Runnable call) {
		Throwable thrown = catchThrowable(call::run);
		assertThat(thrown).isInstanceOf(RateLimitExceededException.class);
		return (RateLimitExceededException) thrown;
	}

	private static RateLimiter limiter(AssertableApplicationContext context, String name) {
		return context.getBean(RateLimiterRegistry.class).get(name);
	}

	public record User(@Nullable String id) {
	}

	public enum Plan {

		GOLD

	}

	/** A user that counts how often the expression reads its id. */
	public static final class CountingUser {

		private final String id;

		private final AtomicInteger reads = new AtomicInteger();

		CountingUser(String id) {
			this.id = id;
		}

		public String getId() {
			this.reads.incrementAndGet();
			return this.id;
		}

		int reads() {
			return this.reads.get();
		}

	}

	public static class UserService {

		private final AtomicInteger calls = new AtomicInteger();

		private final AtomicInteger attempts = new AtomicInteger();

		@RateLimited(value = "per-user", key = "#user.id")
		public String hello(@Nullable User user) {
			this.calls.incrementAndGet();
			return "hello " + user.id();
		}

		@RateLimited(value = "per-user", key = "#user.id")
		public CompletableFuture<String> helloAsync(User user) {
			this.calls.incrementAndGet();
			return CompletableFuture.completedFuture("hello " + user.id());
		}

		@RateLimited(value = "per-second", key = "#user.id")
		public CompletableFuture<String> perSecond(User user) {
			this.calls.incrementAndGet();
			return CompletableFuture.completedFuture("hello " + user.id());
		}

		@RateLimited(value = "per-user", key = "#p0")
		public String byPosition(@Nullable Object key) {
			this.calls.incrementAndGet();
			return String.valueOf(key);
		}

		@RateLimited(value = "per-user", key = "#a0")
		public String byAlias(Object key) {
			this.calls.incrementAndGet();
			return String.valueOf(key);
		}

		@RateLimited(value = "tokens-per-user", key = "#user.id", permits = "#tokens")
		public String tokens(User user, int tokens) {
			return user.id() + ": " + tokens + " tokens";
		}

		@Retry("twice")
		@RateLimited(value = "per-user", key = "#user.id")
		public String flaky(CountingUser user) {
			if (this.attempts.incrementAndGet() == 1) {
				throw new IllegalStateException("first attempt fails");
			}
			return user.id + " on attempt " + this.attempts.get();
		}

		@RateLimited(value = "one-key", key = "#p0")
		public String oneKey(String key) {
			this.calls.incrementAndGet();
			return key;
		}

		int calls() {
			return this.calls.get();
		}

	}

	public static class UnparsableKey {

		@RateLimited(value = "per-user", key = "#user.")
		public String call() {
			return "never";
		}

	}

}
