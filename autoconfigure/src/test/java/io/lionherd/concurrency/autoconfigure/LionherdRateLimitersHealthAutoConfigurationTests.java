package io.lionherd.concurrency.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lionherd.concurrency.ratelimit.BackendHealth;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LionherdRateLimitersHealthAutoConfiguration} and the
 * {@link RateLimitersHealthIndicator} it creates.
 */
class LionherdRateLimitersHealthAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
				LionherdRateLimitersHealthAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withPropertyValues("lionherd.concurrency.rate-limiters.sample.max-calls=3",
				"lionherd.concurrency.rate-limiters.sample.period=1h");

	@Test
	void healthIsUpWithTheStateOfEachLimiter() {
		this.contextRunner.run((context) -> {
			context.getBean(RateLimiterRegistry.class).get("sample").tryAcquire();
			Health health = context.getBean("rateLimitersHealthIndicator", RateLimitersHealthIndicator.class).health();
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
			assertThat(context.getBean(RateLimitersHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void healthIsDownWhileADistributedLimitersBackendIsUnreachable() {
		AtomicBoolean reachable = new AtomicBoolean(true);
		this.contextRunner.run((context) -> {
			RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
			registry.rateLimiter("remote", RateLimiterConfig.of(5, Duration.ofSeconds(1)),
					(name, config, listener) -> new RemoteLimiter(RateLimiter.slidingWindow(name, config), reachable));
			RateLimitersHealthIndicator indicator = context.getBean(RateLimitersHealthIndicator.class);
			Health up = indicator.health();
			assertThat(up.getStatus()).isEqualTo(Status.UP);
			assertThat(up.getDetails().get("remote"))
				.isEqualTo(Map.of("backend", "local", "availablePermits", 5, "waiting", 0, "backendReachable", true));
			reachable.set(false);
			Health down = indicator.health();
			assertThat(down.getStatus()).isEqualTo(Status.DOWN);
			assertThat(down.getDetails().get("remote"))
				.isEqualTo(Map.of("backend", "local", "availablePermits", 5, "waiting", 0, "backendReachable", false));
			reachable.set(true);
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void healthContributorCanBeDisabled() {
		this.contextRunner.withPropertyValues("management.health.ratelimiters.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(RateLimitersHealthIndicator.class));
	}

	@Test
	void healthContributorIsOffWithoutBootHealth() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RateLimitersHealthIndicator.class));
	}

	/**
	 * A limiter whose backend can be cut off, as a distributed one reports it: the
	 * limiting itself is an in-memory window.
	 */
	private record RemoteLimiter(RateLimiter window, AtomicBoolean reachable) implements RateLimiter, BackendHealth {

		@Override
		public boolean isBackendReachable() {
			return this.reachable.get();
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
