package io.lionherd.concurrency.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests of {@code lionherd.concurrency.rate-limiters.<name>.limits[i].*}: several limits
 * on one limiter, beside the one-limit shorthand {@code max-calls}/{@code period}.
 */
class RateLimiterLimitsPropertiesTests {

	private static final String API = "lionherd.concurrency.rate-limiters.api";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class, TaskExecutionAutoConfiguration.class));

	@Test
	void limitsConfigureEveryLimitInTheOrderGiven() {
		this.contextRunner
			.withPropertyValues(API + ".limits[0].max=2", API + ".limits[0].period=1h", API + ".limits[0].counts=calls",
					API + ".limits[1].max=10", API + ".limits[1].period=1h", API + ".limits[2].max=100",
					API + ".limits[2].period=1d", API + ".limits[2].counts=permits")
			.run((context) -> assertThat(limiter(context.getBean(RateLimiterRegistry.class)).config().limits())
				.containsExactly(Limit.calls(2, Duration.ofHours(1)), Limit.permits(10, Duration.ofHours(1)),
						Limit.permits(100, Duration.ofDays(1))));
	}

	@Test
	void limitCountsPermitsUnlessSetToCalls() {
		this.contextRunner.withPropertyValues(API + ".limits[0].max=5", API + ".limits[0].period=1h")
			.run((context) -> assertThat(limiter(context.getBean(RateLimiterRegistry.class)).config().limits())
				.containsExactly(Limit.permits(5, Duration.ofHours(1))));
	}

	@Test
	void limiterOfLimitsGrantsOnlyWhatEveryLimitHasRoomFor() {
		this.contextRunner
			.withPropertyValues(API + ".limits[0].max=2", API + ".limits[0].period=1h", API + ".limits[0].counts=calls",
					API + ".limits[1].max=10", API + ".limits[1].period=1h")
			.run((context) -> {
				RateLimiter limiter = limiter(context.getBean(RateLimiterRegistry.class));
				assertThat(limiter.tryAcquire(7)).isTrue();
				assertThat(limiter.tryAcquire(4)).as("4 more permits than the 10 allowed").isFalse();
				assertThat(limiter.tryAcquire(3)).isTrue();
				assertThat(limiter.tryAcquire(1)).as("a third call of the 2 allowed").isFalse();
			});
	}

	@Test
	void limitsTakeTheLimitersTimeout() {
		this.contextRunner
			.withPropertyValues(API + ".limits[0].max=5", API + ".limits[0].period=1h", API + ".timeout=250ms")
			.run((context) -> assertThat(limiter(context.getBean(RateLimiterRegistry.class)).config().timeout())
				.isEqualTo(Duration.ofMillis(250)));
	}

	@Test
	void maxCallsBesideLimitsStopsStartupNamingBothProperties() {
		this.contextRunner
			.withPropertyValues(API + ".max-calls=5", API + ".limits[0].max=5", API + ".limits[0].period=1h")
			.run((context) -> assertInvalid(context.getStartupFailure(), API + ".max-calls", "5",
					API + ".max-calls and " + API + ".limits"));
	}

	@Test
	void periodBesideLimitsStopsStartupNamingBothProperties() {
		this.contextRunner
			.withPropertyValues(API + ".period=1m", API + ".limits[0].max=5", API + ".limits[0].period=1h")
			.run((context) -> assertInvalid(context.getStartupFailure(), API + ".period", "PT1M",
					API + ".period and " + API + ".limits"));
	}

	@Test
	void limitMaxBelowOneStopsStartupNamingLimiterIndexAndField() {
		this.contextRunner
			.withPropertyValues(API + ".limits[0].max=5", API + ".limits[0].period=1h", API + ".limits[1].max=0",
					API + ".limits[1].period=1d")
			.run((context) -> assertInvalid(context.getStartupFailure(), API + ".limits[1].max", "0",
					"max must be at least 1"));
	}

	@Test
	void limitPeriodNotPositiveStopsStartupNamingLimiterIndexAndField() {
		this.contextRunner.withPropertyValues(API + ".limits[0].max=5", API + ".limits[0].period=0s")
			.run((context) -> assertInvalid(context.getStartupFailure(), API + ".limits[0].period", "PT0S",
					"period must be positive"));
	}

	@Test
	void limitWithoutMaxStopsStartupNamingLimiterIndexAndField() {
		this.contextRunner.withPropertyValues(API + ".limits[0].period=1h", API + ".limits[0].counts=calls")
			.run((context) -> assertInvalid(context.getStartupFailure(), API + ".limits[0].max", "null",
					"max must be set"));
	}

	@Test
	void limitWithoutPeriodStopsStartupNamingLimiterIndexAndField() {
		this.contextRunner.withPropertyValues(API + ".limits[0].max=3")
			.run((context) -> assertInvalid(context.getStartupFailure(), API + ".limits[0].period", "null",
					"period must be set"));
	}

	@Test
	void duplicateLimitStopsStartupNamingTheIndexOfTheSecond() {
		this.contextRunner
			.withPropertyValues(API + ".limits[0].max=5", API + ".limits[0].period=1h", API + ".limits[1].max=9",
					API + ".limits[1].period=60m")
			.run((context) -> assertInvalid(context.getStartupFailure(), API + ".limits[1].period", "PT1H",
					"period duplicates limits[0]"));
	}

	@Test
	void moreThanEightLimitsStopStartupNamingTheList() {
		List<String> properties = new ArrayList<>();
		for (int i = 0; i < 9; i++) {
			properties.add(API + ".limits[" + i + "].max=5");
			properties.add(API + ".limits[" + i + "].period=" + (i + 1) + "h");
		}
		this.contextRunner.withPropertyValues(properties.toArray(String[]::new))
			.run((context) -> assertInvalid(context.getStartupFailure(), API + ".limits", "null", "at most 8 limits"));
	}

	@Test
	void unknownCountsStopsStartupNamingTheProperty() {
		this.contextRunner
			.withPropertyValues(API + ".limits[0].max=5", API + ".limits[0].period=1h",
					API + ".limits[0].counts=tokens")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).hasStackTraceContaining(API + ".limits[0].counts")
					.hasStackTraceContaining("tokens");
			});
	}

	@Test
	void limitsOfALimiterWithABracketedNameAreNamedInTheBracketForm() {
		String limiter = "lionherd.concurrency.rate-limiters[search.v2]";
		this.contextRunner.withPropertyValues(limiter + ".limits[0].max=-1", limiter + ".limits[0].period=1h")
			.run((context) -> assertInvalid(context.getStartupFailure(), limiter + ".limits[0].max", "-1",
					"max must be at least 1"));
	}

	private static RateLimiter limiter(RateLimiterRegistry registry) {
		return registry.get("api");
	}

	private static void assertInvalid(Throwable failure, String name, String value, String reason) {
		assertThat(failure).isNotNull();
		assertThat(failure).rootCause()
			.isInstanceOf(InvalidConfigurationPropertyValueException.class)
			.satisfies((ex) -> {
				InvalidConfigurationPropertyValueException invalid = (InvalidConfigurationPropertyValueException) ex;
				assertThat(invalid.getName()).isEqualTo(name);
				assertThat(String.valueOf(invalid.getValue())).isEqualTo(value);
				assertThat(invalid.getReason()).contains(reason);
			});
	}

}
