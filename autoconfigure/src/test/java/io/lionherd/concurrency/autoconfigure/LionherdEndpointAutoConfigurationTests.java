package io.lionherd.concurrency.autoconfigure;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.autoconfigure.LionherdEndpoint.CapacityLimiterDescriptor;
import io.lionherd.concurrency.autoconfigure.LionherdEndpoint.LimitDescriptor;
import io.lionherd.concurrency.autoconfigure.LionherdEndpoint.RateLimiterDescriptor;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LionherdEndpointAutoConfiguration} and the {@link LionherdEndpoint} it
 * creates.
 */
class LionherdEndpointAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
				LionherdEndpointAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withPropertyValues("lionherd.concurrency.rate-limiters.sample.max-calls=3",
				"lionherd.concurrency.rate-limiters.sample.period=500ms",
				"lionherd.concurrency.rate-limiters.search.max-calls=10",
				"lionherd.concurrency.rate-limiters.search.period=1h");

	@Test
	void exposedEndpointListsEveryNamedLimiterWithItsStateInNameOrder() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=lionherd").run((context) -> {
			RateLimiter search = context.getBean(RateLimiterRegistry.class).get("search");
			for (int i = 0; i < 10; i++) {
				assertThat(search.tryAcquire()).isTrue();
			}
			CompletableFuture<Void> waiting = search.acquire();
			try {
				assertThat(context.getBean(LionherdEndpoint.class).lionherd().rateLimiters()).containsExactly(
						new RateLimiterDescriptor("sample", "local", 3, "PT0.5S",
								List.of(new LimitDescriptor(3, "PT0.5S", "permits")), 3, 0, 0),
						new RateLimiterDescriptor("search", "local", 10, "PT1H",
								List.of(new LimitDescriptor(10, "PT1H", "permits")), 0, 1, 0));
			}
			finally {
				waiting.cancel(false);
			}
		});
	}

	@Test
	void endpointAnswersOneLimiterByName() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=lionherd")
			.run((context) -> assertThat(context.getBean(LionherdEndpoint.class).limiter("ratelimiters", "sample"))
				.isEqualTo(new RateLimiterDescriptor("sample", "local", 3, "PT0.5S",
						List.of(new LimitDescriptor(3, "PT0.5S", "permits")), 3, 0, 0)));
	}

	@Test
	void endpointShowsEveryLimitOfALimiterOfSeveralInOrder() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=lionherd",
					"lionherd.concurrency.rate-limiters.provider.limits[0].max=20",
					"lionherd.concurrency.rate-limiters.provider.limits[0].period=10s",
					"lionherd.concurrency.rate-limiters.provider.limits[0].counts=calls",
					"lionherd.concurrency.rate-limiters.provider.limits[1].max=2000",
					"lionherd.concurrency.rate-limiters.provider.limits[1].period=10s")
			.run((context) -> {
				assertThat(context.getBean(RateLimiterRegistry.class).get("provider").tryAcquire(500)).isTrue();
				assertThat(context.getBean(LionherdEndpoint.class).limiter("ratelimiters", "provider"))
					.isEqualTo(new RateLimiterDescriptor("provider", "local", 20, "PT10S", List
						.of(new LimitDescriptor(20, "PT10S", "calls"), new LimitDescriptor(2000, "PT10S", "permits")),
							1500, 0, 0));
			});
	}

	@Test
	void endpointReportsHowManyKeysOfALimiterAreLiveButNotWhichOnes() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=lionherd").run((context) -> {
			RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
			assertThat(registry.get("search", "alice").tryAcquire()).isTrue();
			assertThat(registry.get("search", "bob").tryAcquire()).isTrue();
			assertThat(registry.get("search", "alice").tryAcquire()).isTrue();
			LionherdEndpoint endpoint = context.getBean(LionherdEndpoint.class);
			RateLimiterDescriptor search = (RateLimiterDescriptor) endpoint.limiter("ratelimiters", "search");
			assertThat(search.keys()).isEqualTo(2);
			assertThat(search.availablePermits()).as("the named limiter's own, not its keys'").isEqualTo(10);
			assertThat(search.toString()).doesNotContain("alice", "bob");
			assertThat(((RateLimiterDescriptor) endpoint.limiter("ratelimiters", "sample")).keys()).isZero();
			assertThat(endpoint.lionherd().rateLimiters()).extracting(RateLimiterDescriptor::keys)
				.containsExactly(0, 2);
		});
	}

	@Test
	void unknownNameHasNoDescriptorSoTheEndpointAnswers404() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=lionherd")
			.run((context) -> assertThat(context.getBean(LionherdEndpoint.class).limiter("ratelimiters", "nope"))
				.isNull());
	}

	@Test
	void otherKindOfLimiterHasNoDescriptorSoTheEndpointAnswers404() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=lionherd")
			.run((context) -> assertThat(context.getBean(LionherdEndpoint.class).limiter("bulkheads", "sample"))
				.isNull());
	}

	@Test
	void endpointListsEveryConcurrencyLimitWithItsStateInNameOrderBesideTheRateLimiters() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=lionherd",
					"lionherd.concurrency.capacity-limiters.provider.total=2",
					"lionherd.concurrency.capacity-limiters.provider.timeout=2s",
					"lionherd.concurrency.capacity-limiters.batch.total=1",
					"lionherd.concurrency.capacity-limiters.batch.lease=10s")
			.run((context) -> {
				ConcurrencyLimit batch = context.getBean(ConcurrencyLimitRegistry.class).get("batch");
				CapacityLimiter.Permit held = batch.acquire().join();
				CompletableFuture<CapacityLimiter.Permit> waiting = batch.acquire();
				try {
					LionherdEndpoint.LionherdDescriptor root = context.getBean(LionherdEndpoint.class).lionherd();
					assertThat(root.capacityLimiters()).containsExactly(
							new CapacityLimiterDescriptor("batch", "local", 1, 1, 0, 1, null, "PT10S"),
							new CapacityLimiterDescriptor("provider", "local", 2, 0, 2, 0, "PT2S", "PT30S"));
					assertThat(root.rateLimiters()).extracting(RateLimiterDescriptor::name)
						.containsExactly("sample", "search");
				}
				finally {
					waiting.cancel(false);
					held.close();
				}
			});
	}

	@Test
	void endpointAnswersOneConcurrencyLimitByNameAnd404ForAnUnknownOne() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=lionherd",
					"lionherd.concurrency.capacity-limiters.provider.total=2")
			.run((context) -> {
				LionherdEndpoint endpoint = context.getBean(LionherdEndpoint.class);
				assertThat(endpoint.limiter("capacitylimiters", "provider"))
					.isEqualTo(new CapacityLimiterDescriptor("provider", "local", 2, 0, 2, 0, null, "PT30S"));
				assertThat(endpoint.limiter("capacitylimiters", "nope")).isNull();
				assertThat(endpoint.limiter("capacitylimiters", "sample")).as("a rate limiter's name").isNull();
				assertThat(endpoint.limiter("ratelimiters", "provider")).as("a concurrency limit's name").isNull();
			});
	}

	@Test
	void endpointIsOffUnlessLionherdIsExposed() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=ratelimiters")
			.run((context) -> assertThat(context).doesNotHaveBean(LionherdEndpoint.class));
	}

	@Test
	void endpointIsOffWithoutActuator() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=lionherd")
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(LionherdEndpoint.class);
				assertThat(context).hasSingleBean(RateLimiterRegistry.class);
			});
	}

	@Test
	void userEndpointMakesTheAutoConfiguredOneBackOff() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=lionherd")
			.withBean("userEndpoint", LionherdEndpoint.class, () -> new LionherdEndpoint(new RateLimiterRegistry()))
			.run((context) -> assertThat(context).getBean(LionherdEndpoint.class)
				.isSameAs(context.getBean("userEndpoint")));
	}

}
