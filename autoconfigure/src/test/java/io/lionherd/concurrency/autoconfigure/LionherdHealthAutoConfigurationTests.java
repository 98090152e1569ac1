package io.lionherd.concurrency.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitConfig;
import io.lionherd.concurrency.capacity.ConcurrencyLimitFactory;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.ratelimit.BackendHealth;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LionherdHealthAutoConfiguration} and the
 * {@link LionherdHealthIndicator} it creates.
 */
class LionherdHealthAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
				LionherdHealthAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withPropertyValues("lionherd.concurrency.rate-limiters.sample.max-calls=3",
				"lionherd.concurrency.rate-limiters.sample.period=1h");

	/**
	 * With Spring Boot's health endpoint: the application's status aggregated from every
	 * contributor, and the HTTP status it is answered with.
	 */
	private final ApplicationContextRunner healthEndpointRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
				LionherdHealthAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
				EndpointAutoConfiguration.class, HealthContributorAutoConfiguration.class,
				HealthContributorRegistryAutoConfiguration.class, HealthEndpointAutoConfiguration.class));

	@Test
	void healthIsUpWithTheStateOfEachLimiter() {
		this.contextRunner.run((context) -> {
			context.getBean(RateLimiterRegistry.class).get("sample").tryAcquire();
			Health health = context.getBean("lionherdHealthIndicator", LionherdHealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsOnlyKeys("sample");
			assertThat(health.getDetails().get("sample"))
				.isEqualTo(Map.of("backend", "local", "availablePermits", 2, "waiting", 0));
		});
	}

	@Test
	void exhaustedLocalLimiterKeepsHealthUp() {
		this.contextRunner.run((context) -> {
			RateLimiter sample = context.getBean(RateLimiterRegistry.class).get("sample");
			while (sample.tryAcquire()) {
				// take every permit
			}
			assertThat(context.getBean(LionherdHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void healthIsDownWhileARefusingLimitersBackendIsUnreachable() {
		AtomicBoolean reachable = new AtomicBoolean(true);
		this.contextRunner.run((context) -> {
			register(context, "remote", reachable, false);
			LionherdHealthIndicator indicator = context.getBean(LionherdHealthIndicator.class);
			Health up = indicator.health();
			assertThat(up.getStatus()).isEqualTo(Status.UP);
			assertThat(up.getDetails().get("remote")).isEqualTo(Map.of("backend", "local", "availablePermits", 5,
					"waiting", 0, "backendReachable", true, "onBackendFailure", "fail"));
			reachable.set(false);
			Health down = indicator.health();
			assertThat(down.getStatus()).isEqualTo(Status.DOWN);
			assertThat(down.getDetails().get("remote")).isEqualTo(Map.of("backend", "local", "availablePermits", 5,
					"waiting", 0, "backendReachable", false, "onBackendFailure", "fail"));
			reachable.set(true);
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void healthIsDegradedNotDownWhileAGrantingLimitersBackendIsUnreachable() {
		AtomicBoolean reachable = new AtomicBoolean(false);
		this.contextRunner.run((context) -> {
			register(context, "remote", reachable, true);
			LionherdHealthIndicator indicator = context.getBean(LionherdHealthIndicator.class);
			Health degraded = indicator.health();
			assertThat(degraded.getStatus()).isEqualTo(LionherdHealthIndicator.DEGRADED);
			assertThat(degraded.getStatus().getCode()).isEqualTo("DEGRADED");
			assertThat(degraded.getDetails().get("remote")).isEqualTo(Map.of("backend", "local", "availablePermits", 5,
					"waiting", 0, "backendReachable", false, "onBackendFailure", "allow"));
			reachable.set(true);
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void refusingLimiterWithoutItsBackendMakesHealthDownBesideAGrantingOne() {
		this.contextRunner.run((context) -> {
			register(context, "granting", new AtomicBoolean(false), true);
			register(context, "refusing", new AtomicBoolean(false), false);
			assertThat(context.getBean(LionherdHealthIndicator.class).health().getStatus()).isEqualTo(Status.DOWN);
		});
	}

	@Test
	void degradedHealthKeepsTheApplicationServingToALoadBalancer() {
		this.healthEndpointRunner.run((context) -> {
			register(context, "remote", new AtomicBoolean(false), true);
			HealthEndpoint health = context.getBean(HealthEndpoint.class);
			HttpCodeStatusMapper http = context.getBean(HttpCodeStatusMapper.class);
			Status application = health.health().getStatus();
			assertThat(application).isEqualTo(Status.UP);
			assertThat(http.getStatusCode(application)).isEqualTo(200);
			Status lionherd = health.healthForPath("lionherd").getStatus();
			assertThat(lionherd).isEqualTo(LionherdHealthIndicator.DEGRADED);
			assertThat(http.getStatusCode(lionherd)).isEqualTo(200);
		});
	}

	@Test
	void degradedCountsInTheApplicationsStatusOnceAddedToTheStatusOrder() {
		this.healthEndpointRunner
			.withPropertyValues("management.endpoint.health.status.order=DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN")
			.run((context) -> {
				register(context, "remote", new AtomicBoolean(false), true);
				Status application = context.getBean(HealthEndpoint.class).health().getStatus();
				assertThat(application).isEqualTo(LionherdHealthIndicator.DEGRADED);
				assertThat(context.getBean(HttpCodeStatusMapper.class).getStatusCode(application)).isEqualTo(200);
			});
	}

	@Test
	void downHealthTakesTheApplicationOutOfService() {
		this.healthEndpointRunner.run((context) -> {
			register(context, "remote", new AtomicBoolean(false), false);
			Status application = context.getBean(HealthEndpoint.class).health().getStatus();
			assertThat(application).isEqualTo(Status.DOWN);
			assertThat(context.getBean(HttpCodeStatusMapper.class).getStatusCode(application)).isEqualTo(503);
		});
	}

	@Test
	void healthGivesTheStateOfEachConcurrencyLimitUnderCapacityLimiters() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.capacity-limiters.provider.total=2")
			.run((context) -> {
				context.getBean(ConcurrencyLimitRegistry.class).get("provider").acquire().join();
				Health health = context.getBean(LionherdHealthIndicator.class).health();
				assertThat(health.getStatus()).isEqualTo(Status.UP);
				assertThat(health.getDetails()).containsOnlyKeys("sample", "capacityLimiters");
				assertThat(health.getDetails().get("capacityLimiters")).isEqualTo(Map.of("provider",
						Map.of("backend", "local", "total", 2, "inUse", 1, "available", 1, "waiting", 0)));
			});
	}

	@Test
	void exhaustedLocalConcurrencyLimitKeepsHealthUp() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.capacity-limiters.provider.total=1")
			.run((context) -> {
				ConcurrencyLimit provider = context.getBean(ConcurrencyLimitRegistry.class).get("provider");
				provider.acquire().join();
				CompletableFuture<CapacityLimiter.Permit> waiting = provider.acquire();
				assertThat(context.getBean(LionherdHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
				waiting.cancel(false);
			});
	}

	@Test
	void healthIsDownWhileARefusingSharedConcurrencyLimitsBackendIsUnreachable() {
		AtomicBoolean reachable = new AtomicBoolean(true);
		this.contextRunner.run((context) -> {
			registerLimit(context, "shared", reachable, false);
			LionherdHealthIndicator indicator = context.getBean(LionherdHealthIndicator.class);
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
			reachable.set(false);
			Health down = indicator.health();
			assertThat(down.getStatus()).isEqualTo(Status.DOWN);
			assertThat(down.getDetails().get("capacityLimiters"))
				.isEqualTo(Map.of("shared", Map.of("backend", "local", "total", 3, "inUse", 0, "available", 3,
						"waiting", 0, "backendReachable", false, "onBackendFailure", "fail")));
			reachable.set(true);
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void healthIsDegradedNotDownWhileAGrantingSharedConcurrencyLimitsBackendIsUnreachable() {
		this.contextRunner.run((context) -> {
			registerLimit(context, "shared", new AtomicBoolean(false), true);
			Health degraded = context.getBean(LionherdHealthIndicator.class).health();
			assertThat(degraded.getStatus()).isEqualTo(LionherdHealthIndicator.DEGRADED);
			assertThat(degraded.getDetails().get("capacityLimiters"))
				.isEqualTo(Map.of("shared", Map.of("backend", "local", "total", 3, "inUse", 0, "available", 3,
						"waiting", 0, "backendReachable", false, "onBackendFailure", "allow")));
		});
	}

	@Test
	void refusingConcurrencyLimitWithoutItsBackendMakesHealthDownBesideAGrantingRateLimiter() {
		this.contextRunner.run((context) -> {
			register(context, "granting", new AtomicBoolean(false), true);
			registerLimit(context, "refusing", new AtomicBoolean(false), false);
			assertThat(context.getBean(LionherdHealthIndicator.class).health().getStatus()).isEqualTo(Status.DOWN);
		});
	}

	@Test
	void healthContributorIsNamedLionherd() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(LionherdHealthIndicator.class)
			.hasBean("lionherdHealthIndicator"));
	}

	@Test
	void healthContributorCanBeDisabled() {
		this.contextRunner.withPropertyValues("management.health.lionherd.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LionherdHealthIndicator.class));
	}

	@Test
	void resilience4jsHealthSwitchLeavesOurContributorOn() {
		this.contextRunner.withPropertyValues("management.health.ratelimiters.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(LionherdHealthIndicator.class));
	}

	@Test
	void resilience4jsHealthBeanLeavesOurContributorOn() {
		this.contextRunner
			.withBean("rateLimitersHealthIndicator", HealthIndicator.class, () -> () -> Health.up().build())
			.run((context) -> assertThat(context).hasSingleBean(LionherdHealthIndicator.class));
	}

	@Test
	void healthContributorIsOffWithoutBootHealth() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LionherdHealthIndicator.class));
	}

	private static void register(ApplicationContext context, String name, AtomicBoolean reachable,
			boolean grantsWhenUnreachable) {
		context.getBean(RateLimiterRegistry.class)
			.rateLimiter(name, RateLimiterConfig.of(5, Duration.ofSeconds(1)),
					(limiterName, config, listener) -> new RemoteLimiter(RateLimiter.slidingWindow(limiterName, config),
							reachable, grantsWhenUnreachable));
	}

	private static void registerLimit(ApplicationContext context, String name, AtomicBoolean reachable,
			boolean grantsWhenUnreachable) {
		ConcurrencyLimitFactory inMemory = ConcurrencyLimitFactory.inMemory();
		context.getBean(ConcurrencyLimitRegistry.class)
			.concurrencyLimit(name, ConcurrencyLimitConfig.of(3),
					(limitName, config, listener) -> new RemoteLimit(inMemory.create(limitName, config, listener),
							reachable, grantsWhenUnreachable));
	}

	/**
	 * A concurrency limit whose backend can be cut off, as a shared one reports it: the
	 * limiting itself is in memory.
	 */
	private record RemoteLimit(ConcurrencyLimit local, AtomicBoolean reachable,
			boolean grantsWhenUnreachable) implements ConcurrencyLimit, BackendHealth {

		@Override
		public boolean isBackendReachable() {
			return this.reachable.get();
		}

		@Override
		public boolean grantsWhenUnreachable() {
			return this.grantsWhenUnreachable;
		}

		@Override
		public String name() {
			return this.local.name();
		}

		@Override
		public ConcurrencyLimitConfig config() {
			return this.local.config();
		}

		@Override
		public CompletableFuture<CapacityLimiter.Permit> acquire() {
			return this.local.acquire();
		}

		@Override
		public CompletableFuture<CapacityLimiter.Permit> acquire(Duration timeout) {
			return this.local.acquire(timeout);
		}

		@Override
		public int inUse() {
			return this.local.inUse();
		}

		@Override
		public int waitingCount() {
			return this.local.waitingCount();
		}

	}

	/**
	 * A limiter whose backend can be cut off, as a distributed one reports it, and that
	 * grants or refuses meanwhile as its on-backend-failure mode says: the limiting
	 * itself is an in-memory window.
	 */
	private record RemoteLimiter(RateLimiter window, AtomicBoolean reachable,
			boolean grantsWhenUnreachable) implements RateLimiter, BackendHealth {

		@Override
		public boolean isBackendReachable() {
			return this.reachable.get();
		}

		@Override
		public boolean grantsWhenUnreachable() {
			return this.grantsWhenUnreachable;
		}

		@Override
		public String name() {
			return this.window.name();
		}

		@Override
		public RateLimiterConfig config() {
			return this.window.config();
		}

		@Override
		public CompletableFuture<Void> acquire() {
			return this.window.acquire();
		}

		@Override
		public CompletableFuture<Void> acquire(Duration timeout) {
			return this.window.acquire(timeout);
		}

		@Override
		public boolean tryAcquire() {
			return this.window.tryAcquire();
		}

		@Override
		public int availablePermits() {
			return this.window.availablePermits();
		}

		@Override
		public int waitingCount() {
			return this.window.waitingCount();
		}

	}

}
