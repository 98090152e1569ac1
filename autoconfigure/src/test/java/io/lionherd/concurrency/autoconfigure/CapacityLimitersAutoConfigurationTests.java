package io.lionherd.concurrency.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.CapacityLimiterProperties;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitConfig;
import io.lionherd.concurrency.capacity.ConcurrencyLimitExceededException;
import io.lionherd.concurrency.capacity.ConcurrencyLimitFactory;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.micrometer.ConcurrencyLimitMetrics;
import io.lionherd.concurrency.ratelimit.OnBackendFailure;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the named concurrency limits of {@link LionherdConcurrencyAutoConfiguration}
 * ({@code lionherd.concurrency.capacity-limiters}) and their meters.
 */
class CapacityLimitersAutoConfigurationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class, TaskExecutionAutoConfiguration.class));

	private final ApplicationContextRunner manualClockRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(ManualClockConfiguration.class);

	@Test
	void limitsAreReachableByNameFromTheRegistryAndHoldAtMostTheirTotal() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.capacity-limiters.provider.total=2",
					"lionherd.concurrency.capacity-limiters.search.total=5")
			.run((context) -> {
				ConcurrencyLimitRegistry registry = context.getBean(ConcurrencyLimitRegistry.class);
				assertThat(registry.names()).containsExactly("provider", "search");
				ConcurrencyLimit provider = registry.get("provider");
				assertThat(provider.backend()).isEqualTo("local");
				assertThat(provider.config()).isEqualTo(ConcurrencyLimitConfig.of(2));
				CapacityLimiter.Permit first = provider.acquire().join();
				provider.acquire().join();
				CompletableFuture<CapacityLimiter.Permit> third = provider.acquire();
				assertThat(third).isNotDone();
				assertThat(provider.waitingCount()).isOne();
				first.close();
				assertThat(third).succeedsWithin(WAIT);
				assertThat(provider.inUse()).isEqualTo(2);
			});
	}

	@Test
	void localLimitsTimeOutOnTheClockAndTimerOfAsyncUtils() {
		this.manualClockRunner
			.withPropertyValues("lionherd.concurrency.capacity-limiters.provider.total=1",
					"lionherd.concurrency.capacity-limiters.provider.timeout=2s")
			.run((context) -> {
				ManualTime time = context.getBean(ManualTime.class);
				ConcurrencyLimit provider = context.getBean(ConcurrencyLimitRegistry.class).get("provider");
				assertThat(provider.config().timeout()).isEqualTo(Duration.ofSeconds(2));
				provider.acquire().join();
				CompletableFuture<CapacityLimiter.Permit> waiting = provider.acquire();
				time.advance(Duration.ofMillis(1999));
				assertThat(waiting).isNotDone();
				time.advance(Duration.ofMillis(1));
				assertThat(waiting).failsWithin(WAIT)
					.withThrowableThat()
					.havingCause()
					.isInstanceOf(ConcurrencyLimitExceededException.class)
					.withMessageContaining("provider");
				assertThat(provider.waitingCount()).isZero();
			});
	}

	@Test
	void leaseComesFromTheProperties() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.capacity-limiters.provider.total=3",
					"lionherd.concurrency.capacity-limiters.provider.lease=5s")
			.run((context) -> assertThat(context.getBean(ConcurrencyLimitRegistry.class).get("provider").config())
				.isEqualTo(ConcurrencyLimitConfig.of(3).withLease(Duration.ofSeconds(5))));
	}

	@Test
	void limitOfAUserBackendIsCreatedByThatBackendsFactoryOnceWithItsProperties() {
		List<CapacityLimiterProperties> asked = new CopyOnWriteArrayList<>();
		List<String> names = new CopyOnWriteArrayList<>();
		CapacityLimiterBackend custom = new CapacityLimiterBackend() {

			@Override
			public String name() {
				return "custom";
			}

			@Override
			public ConcurrencyLimitFactory factory(String limitName, CapacityLimiterProperties properties) {
				names.add(limitName);
				asked.add(properties);
				return ConcurrencyLimitFactory.inMemory();
			}

		};
		this.contextRunner.withBean(CapacityLimiterBackend.class, () -> custom)
			.withPropertyValues("lionherd.concurrency.capacity-limiters.shared.total=4",
					"lionherd.concurrency.capacity-limiters.shared.backend=Custom",
					"lionherd.concurrency.capacity-limiters.shared.on-backend-failure=allow",
					"lionherd.concurrency.capacity-limiters.mine.total=1")
			.run((context) -> {
				assertThat(context.getBean(ConcurrencyLimitRegistry.class).names()).containsExactly("shared", "mine");
				assertThat(names).containsExactly("shared");
				assertThat(asked).singleElement().satisfies((properties) -> {
					assertThat(properties.getTotal()).isEqualTo(4);
					assertThat(properties.getOnBackendFailure()).isEqualTo(OnBackendFailure.ALLOW);
				});
			});
	}

	@Test
	void unknownBackendStopsStartupListingTheKnownBackends() {
		this.contextRunner.withBean(CapacityLimiterBackend.class, () -> new NamedBackend("custom"))
			.withPropertyValues("lionherd.concurrency.capacity-limiters.api.backend=memcached")
			.run((context) -> assertInvalid(context, "lionherd.concurrency.capacity-limiters.api.backend", "memcached",
					"backend must be one of [local, custom]: local, or the name of a CapacityLimiterBackend bean"));
	}

	@Test
	void redisBackendWithoutARedisConnectionStopsStartupNamingThePropertyAndWhatItNeeds() throws IOException {
		everyAutoConfiguration().withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
			.withPropertyValues("lionherd.concurrency.capacity-limiters.shared.backend=redis")
			.run((context) -> assertInvalid(context, "lionherd.concurrency.capacity-limiters.shared.backend", "redis",
					"backend redis needs lionherd-concurrency-redis and a Redis connection"));
	}

	@Test
	void redisBackendWithoutTheRedisModuleStopsStartupNamingThePropertyAndWhatItNeeds() throws IOException {
		everyAutoConfiguration()
			.withClassLoader(new FilteredClassLoader("io.lionherd.concurrency.ratelimit.redis",
					"io.lionherd.concurrency.capacity.redis", "io.lionherd.concurrency.redis"))
			.withPropertyValues("lionherd.concurrency.capacity-limiters.shared.backend=redis")
			.run((context) -> assertInvalid(context, "lionherd.concurrency.capacity-limiters.shared.backend", "redis",
					"backend redis needs lionherd-concurrency-redis"));
	}

	@Test
	void registryIsEmptyWithoutConfiguration() {
		this.contextRunner
			.run((context) -> assertThat(context.getBean(ConcurrencyLimitRegistry.class).names()).isEmpty());
	}

	@Test
	void registryWhenUserDefinesOneShouldBackOff() {
		this.contextRunner.withBean("userLimits", ConcurrencyLimitRegistry.class, ConcurrencyLimitRegistry::new)
			.withPropertyValues("lionherd.concurrency.capacity-limiters.provider.total=2")
			.run((context) -> {
				assertThat(context.getBean(ConcurrencyLimitRegistry.class)).isSameAs(context.getBean("userLimits"));
				assertThat(context.getBean(ConcurrencyLimitRegistry.class).names()).isEmpty();
			});
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "total=0 | total | 0 | total must be at least 1",
					"total=-3 | total | -3 | total must be at least 1",
					"timeout=-1s | timeout | PT-1S | timeout must be zero or positive",
					"lease=50ms | lease | PT0.05S | lease must be at least 100ms" })
	void invalidValueStopsStartupNamingPropertyValueAndWhatIsAllowed(String setting, String property, String value,
			String reason) {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.capacity-limiters.provider.total=2",
					"lionherd.concurrency.capacity-limiters.provider." + setting)
			.run((context) -> assertInvalid(context, "lionherd.concurrency.capacity-limiters.provider." + property,
					value, reason));
	}

	@Test
	void blankNameStopsStartupNamingTheProperty() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.capacity-limiters[ ].total=2")
			.run((context) -> assertInvalid(context, "lionherd.concurrency.capacity-limiters", " ",
					"concurrency limit names must not be blank"));
	}

	@Test
	void limitsArePublishedAsLionherdCapacityMetersTaggedByName() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(LionherdMetricsAutoConfiguration.class,
					MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.withPropertyValues("lionherd.concurrency.capacity-limiters.provider.total=2",
					"lionherd.concurrency.capacity-limiters.provider.timeout=0s",
					"lionherd.concurrency.capacity-limiters.search.total=1")
			.run((context) -> {
				ConcurrencyLimit provider = context.getBean(ConcurrencyLimitRegistry.class).get("provider");
				provider.acquire().join();
				provider.acquire().join();
				assertThat(provider.acquire()).failsWithin(WAIT);
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.get("lionherd.capacity.in-use").tag("name", "provider").gauge().value()).isEqualTo(2);
				assertThat(meters.get("lionherd.capacity.available").tag("name", "provider").gauge().value()).isZero();
				assertThat(meters.get("lionherd.capacity.waiting").tag("name", "provider").gauge().value()).isZero();
				assertThat(meters.get("lionherd.capacity.wait").tag("name", "provider").timer().count()).isEqualTo(2);
				assertThat(meters.get("lionherd.capacity.rejected").tag("name", "provider").counter().count()).isOne();
				assertThat(meters.get("lionherd.capacity.available").tag("name", "search").gauge().value()).isOne();
			});
	}

	@Test
	void withoutAMeterRegistryNoMetersAreBound() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(LionherdMetricsAutoConfiguration.class))
			.withPropertyValues("lionherd.concurrency.capacity-limiters.provider.total=2")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(ConcurrencyLimitMetrics.class));
	}

	/**
	 * Every auto-configuration of the starter, as an application gets them, so that a
	 * backend's own (the Redis one) takes part when its classes are there.
	 */
	private static ApplicationContextRunner everyAutoConfiguration() throws IOException {
		ClassLoader loader = CapacityLimitersAutoConfigurationTests.class.getClassLoader();
		List<Class<?>> classes = new ArrayList<>();
		classes.add(TaskExecutionAutoConfiguration.class);
		for (String name : ImportCandidates.load(AutoConfiguration.class, loader)) {
			if (name.startsWith("io.lionherd.")) {
				classes.add(ClassUtils.resolveClassName(name, loader));
			}
		}
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(classes.toArray(Class<?>[]::new)));
	}

	private static void assertInvalid(AssertableApplicationContext context, String name, String value, String reason) {
		assertThat(context).hasFailed();
		assertThat(context.getStartupFailure()).rootCause()
			.isInstanceOf(InvalidConfigurationPropertyValueException.class)
			.satisfies((ex) -> {
				InvalidConfigurationPropertyValueException invalid = (InvalidConfigurationPropertyValueException) ex;
				assertThat(invalid.getName()).isEqualTo(name);
				assertThat(String.valueOf(invalid.getValue())).isEqualTo(value);
				assertThat(invalid.getReason()).contains(reason);
			});
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

	private record NamedBackend(String name) implements CapacityLimiterBackend {

		@Override
		public ConcurrencyLimitFactory factory(String limitName, CapacityLimiterProperties properties) {
			return ConcurrencyLimitFactory.inMemory();
		}

	}

}
