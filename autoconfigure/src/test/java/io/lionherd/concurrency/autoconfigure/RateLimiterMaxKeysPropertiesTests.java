package io.lionherd.concurrency.autoconfigure;

import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests of {@code lionherd.concurrency.rate-limiters.<name>.max-keys}: the most live
 * client keys of a limiter, for every backend.
 */
class RateLimiterMaxKeysPropertiesTests {

	private static final String API = "lionherd.concurrency.rate-limiters.api";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class, TaskExecutionAutoConfiguration.class));

	@Test
	void maxKeysIsTenThousandUnlessSet() {
		this.contextRunner.withPropertyValues(API + ".max-calls=5")
			.run((context) -> assertThat(maxKeys(context.getBean(RateLimiterRegistry.class)))
				.isEqualTo(RateLimiterConfig.DEFAULT_MAX_KEYS)
				.isEqualTo(10_000));
	}

	@Test
	void maxKeysConfiguresTheLimiterOfTheShorthand() {
		this.contextRunner.withPropertyValues(API + ".max-calls=5", API + ".max-keys=250")
			.run((context) -> assertThat(maxKeys(context.getBean(RateLimiterRegistry.class))).isEqualTo(250));
	}

	@Test
	void maxKeysConfiguresTheLimiterOfSeveralLimits() {
		this.contextRunner
			.withPropertyValues(API + ".limits[0].max=5", API + ".limits[0].period=1h", API + ".limits[1].max=50",
					API + ".limits[1].period=1d", API + ".timeout=0s", API + ".max-keys=1")
			.run((context) -> {
				RateLimiterConfig config = context.getBean(RateLimiterRegistry.class).get("api").config();
				assertThat(config.maxKeys()).isOne();
				assertThat(config.limits()).hasSize(2);
			});
	}

	@Test
	void maxKeysConfiguresARedisLimiter() {
		// No server needed: the limiter is created at startup and decides nothing here.
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
					LionherdRedisRateLimiterAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.port=1", API + ".backend=redis", API + ".max-keys=42")
			.run((context) -> {
				RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
				assertThat(registry.get("api").backend()).isEqualTo("redis");
				assertThat(maxKeys(registry)).isEqualTo(42);
			});
	}

	@ParameterizedTest
	@ValueSource(ints = { 0, -1 })
	void maxKeysBelowOneStopsStartupNamingThePropertyAndWhatIsAllowed(int maxKeys) {
		this.contextRunner.withPropertyValues(API + ".max-calls=5", API + ".max-keys=" + maxKeys)
			.run((context) -> assertThat(context.getStartupFailure()).isNotNull()
				.rootCause()
				.isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class, (invalid) -> {
					assertThat(invalid.getName()).isEqualTo(API + ".max-keys");
					assertThat(invalid.getValue()).isEqualTo(maxKeys);
					assertThat(invalid.getReason()).startsWith("max-keys must be at least 1");
				}));
	}

	private static int maxKeys(RateLimiterRegistry registry) {
		return registry.get("api").config().maxKeys();
	}

}
