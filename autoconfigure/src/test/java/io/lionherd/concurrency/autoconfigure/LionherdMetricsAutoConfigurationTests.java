package io.lionherd.concurrency.autoconfigure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.RetryPolicy;
import io.lionherd.concurrency.micrometer.MicrometerMonitorRecorder;
import io.lionherd.concurrency.micrometer.MicrometerRetryRecorder;
import io.lionherd.concurrency.micrometer.RateLimiterMetrics;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.task.TaskExecutorMetricsAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link LionherdMetricsAutoConfiguration}.
 */
class LionherdMetricsAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class, LionherdMetricsAutoConfiguration.class,
					TaskExecutionAutoConfiguration.class, MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class, TaskExecutorMetricsAutoConfiguration.class));

	@Test
	void monitoredCallsAreRecordedAsLionherdMonitorTimers() {
		this.contextRunner.run((context) -> {
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			asyncUtils.monitor("heavy_computation", () -> 499500).get(10, TimeUnit.SECONDS);
			Timer timer = context.getBean(MeterRegistry.class)
				.get("lionherd.monitor")
				.tags("name", "heavy_computation", "type", "sync", "outcome", "success", "exception", "none")
				.timer();
			assertThat(timer.count()).isOne();
		});
	}

	@Test
	void failedMonitoredCallsAreRecordedWithTheirException() {
		this.contextRunner.run((context) -> {
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			assertThat(asyncUtils.monitor("failing", () -> {
				throw new IllegalStateException("boom");
			})).failsWithin(Duration.ofSeconds(10));
			Timer timer = context.getBean(MeterRegistry.class)
				.get("lionherd.monitor")
				.tags("name", "failing", "outcome", "error", "exception", "IllegalStateException")
				.timer();
			assertThat(timer.count()).isOne();
		});
	}

	@Test
	void disabledMonitorRecordsNothing() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.monitor.enabled=false").run((context) -> {
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			assertThat(asyncUtils.monitor("quiet", () -> 1).get(10, TimeUnit.SECONDS).result()).isEqualTo(1);
			assertThat(context.getBean(MeterRegistry.class).find("lionherd.monitor").timers()).isEmpty();
		});
	}

	@Test
	void monitorNamesBeyondMaxNamesAreRecordedAsOther() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.monitor.max-names=2").run((context) -> {
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			for (String name : new String[] { "a", "b", "c", "d" }) {
				asyncUtils.monitor(name, () -> name).get(10, TimeUnit.SECONDS);
			}
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find("lionherd.monitor").timers()).extracting((timer) -> timer.getId().getTag("name"))
				.containsExactlyInAnyOrder("a", "b", "other");
			assertThat(registry.get("lionherd.monitor").tag("name", "other").timer().count()).isEqualTo(2);
		});
	}

	@Test
	void executorMetricsAreBoundOnceAndNamedLionherd() {
		this.contextRunner.run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find("executor.pool.size").gauges()).extracting((gauge) -> gauge.getId().getTag("name"))
				.containsOnlyOnce("lionherd")
				.doesNotContain(LionherdConcurrencyAutoConfiguration.EXECUTOR_BEAN_NAME);
			assertThat(registry.find("executor.completed").tag("name", "lionherd").functionCounters()).hasSize(1);
		});
	}

	@Test
	void executorMetricsCountCompletedTasks() {
		this.contextRunner.run((context) -> {
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			asyncUtils.runSync(() -> "done").get(10, TimeUnit.SECONDS);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			org.awaitility.Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.until(() -> registry.get("executor.completed").tag("name", "lionherd").functionCounter().count(),
						(count) -> count >= 1);
		});
	}

	@Test
	void applicationTaskExecutorKeepsItsOwnMetrics() {
		this.contextRunner.run((context) -> assertThat(context.getBean(MeterRegistry.class)
			.find("executor.pool.size")
			.tag("name", TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME)
			.gauges()).hasSize(1));
	}

	@Test
	void withoutAMeterRegistryMetricsBackOff() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
					LionherdMetricsAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(AsyncUtils.class);
				assertThat(context).doesNotHaveBean(MeterBinder.class);
			});
	}

	@Test
	void withoutMicrometerOnTheClassPathTheStarterStillWorks() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("io.micrometer.core")).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(AsyncUtils.class);
			assertThat(context).doesNotHaveBean(LionherdMetricsAutoConfiguration.class);
			assertThat(context.getBean(AsyncUtils.class).monitor("plain", () -> 42).get(10, TimeUnit.SECONDS).result())
				.isEqualTo(42);
		});
	}

	@Test
	void userDefinedAsyncUtilsCanRecordThroughTheAutoConfiguredRecorder() {
		this.contextRunner.withUserConfiguration(UserAsyncUtilsConfiguration.class).run((context) -> {
			context.getBean(AsyncUtils.class).monitor("user", () -> 1).get(10, TimeUnit.SECONDS);
			assertThat(context.getBean(MeterRegistry.class).get("lionherd.monitor").tag("name", "user").timer().count())
				.isOne();
			assertThatExceptionOfType(Exception.class)
				.isThrownBy(() -> context.getBean(LionherdConcurrencyAutoConfiguration.EXECUTOR_BEAN_NAME));
		});
	}

	@Test
	void namedRetriesAreCountedAsLionherdRetryCallsByKind() {
		this.contextRunner.run((context) -> {
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			RetryPolicy policy = RetryPolicy.builder().maxAttempts(2).baseDelay(Duration.ZERO).jitter(0).build();
			AtomicInteger calls = new AtomicInteger();
			assertThat(asyncUtils.retry("inventory", () -> CompletableFuture.completedFuture("first"), policy))
				.succeedsWithin(Duration.ofSeconds(10));
			assertThat(asyncUtils.retry("inventory",
					() -> (calls.incrementAndGet() == 1)
							? CompletableFuture.failedFuture(new IllegalStateException("once"))
							: CompletableFuture.completedFuture("second"),
					policy))
				.succeedsWithin(Duration.ofSeconds(10));
			assertThat(asyncUtils.retry("inventory", () -> CompletableFuture.failedFuture(new IllegalStateException()),
					policy))
				.failsWithin(Duration.ofSeconds(10));
			assertThat(asyncUtils.retry("inventory", () -> CompletableFuture.failedFuture(new Error("not retried")),
					policy))
				.failsWithin(Duration.ofSeconds(10));
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			for (String kind : new String[] { "successful_without_retry", "successful_with_retry", "failed_with_retry",
					"failed_without_retry" }) {
				assertThat(
						registry.get("lionherd.retry.calls").tags("name", "inventory", "kind", kind).counter().count())
					.as(kind)
					.isOne();
			}
		});
	}

	@Test
	void userRetryRecorderMakesTheAutoConfiguredOneBackOff() {
		this.contextRunner.withUserConfiguration(UserRetryRecorderConfiguration.class).run((context) -> {
			assertThat(context).getBean(MicrometerRetryRecorder.class).isSameAs(context.getBean("userRetryRecorder"));
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			asyncUtils.retry("mine", () -> CompletableFuture.completedFuture(1), RetryPolicy.defaults())
				.get(10, TimeUnit.SECONDS);
			assertThat(context.getBean(MeterRegistry.class).find("lionherd.retry.calls").counters()).isEmpty();
		});
	}

	@Test
	void namedRateLimitersArePublished() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.rate-limiters.search.max-calls=3")
			.run((context) -> {
				context.getBean(RateLimiterRegistry.class).get("search").tryAcquire();
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get("lionherd.ratelimiter.wait").tag("name", "search").timer().count()).isOne();
				assertThat(registry.get("lionherd.ratelimiter.available").tag("name", "search").gauge().value())
					.isEqualTo(2);
			});
	}

	@Test
	void keysOfALimiterArePublishedUnderItsNameAloneWithTheirCountAndRefusals() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.rate-limiters.per-client.max-calls=1",
					"lionherd.concurrency.rate-limiters.per-client.period=1h",
					"lionherd.concurrency.rate-limiters.per-client.timeout=0s",
					"lionherd.concurrency.rate-limiters.per-client.max-keys=2")
			.run((context) -> {
				RateLimiterRegistry limiters = context.getBean(RateLimiterRegistry.class);
				assertThat(limiters.get("per-client", "alice").tryAcquire()).isTrue();
				assertThat(limiters.get("per-client", "bob").tryAcquire()).isTrue();
				assertThat(limiters.get("per-client", "carol").tryAcquire()).as("a third key of the 2 allowed")
					.isFalse();
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get("lionherd.ratelimiter.keys").tags("name", "per-client").gauge().value())
					.isEqualTo(2);
				assertThat(
						registry.get("lionherd.ratelimiter.keys.refused").tags("name", "per-client").counter().count())
					.isOne();
				assertThat(registry.getMeters())
					.filteredOn((meter) -> meter.getId().getName().startsWith("lionherd.ratelimiter"))
					.isNotEmpty()
					.allSatisfy((meter) -> assertThat(meter.getId().getTags()).extracting(Tag::getKey)
						.as("tags of %s", meter.getId())
						.containsExactly("name"));
			});
	}

	@Test
	void userRateLimiterMetricsMakeTheAutoConfiguredOnesBackOff() {
		this.contextRunner
			.withBean("userRateLimiterMetrics", RateLimiterMetrics.class,
					() -> new RateLimiterMetrics(new RateLimiterRegistry()))
			.run((context) -> assertThat(context).getBean(RateLimiterMetrics.class)
				.isSameAs(context.getBean("userRateLimiterMetrics")));
	}

	@Test
	void userMonitorRecorderMakesTheAutoConfiguredOneBackOff() {
		this.contextRunner
			.withBean("userMonitorRecorder", MicrometerMonitorRecorder.class,
					() -> new MicrometerMonitorRecorder(new SimpleMeterRegistry()))
			.run((context) -> assertThat(context).getBean(MicrometerMonitorRecorder.class)
				.isSameAs(context.getBean("userMonitorRecorder")));
	}

	@Test
	void queueWaitOfRunSyncTasksIsTimedAsLionherdExecutorQueueWait() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.executor.core-size=1", "lionherd.concurrency.executor.max-size=1")
			.run((context) -> {
				AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
				CountDownLatch started = new CountDownLatch(1);
				CountDownLatch release = new CountDownLatch(1);
				CompletableFuture<Void> blocker = asyncUtils.runSync(() -> {
					started.countDown();
					release.await();
					return null;
				});
				assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
				CompletableFuture<String> queued = asyncUtils.runSync(() -> "ran");
				Thread.sleep(50);
				release.countDown();
				assertThat(blocker).succeedsWithin(Duration.ofSeconds(10));
				assertThat(queued).succeedsWithin(Duration.ofSeconds(10));
				Timer queueWait = context.getBean(MeterRegistry.class)
					.get("lionherd.executor.queue.wait")
					.tag("name", "lionherd")
					.timer();
				assertThat(queueWait.count()).isEqualTo(2);
				assertThat(queueWait.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(50);
			});
	}

	@Test
	void tasksASaturatedExecutorRefusesAreCountedAsLionherdExecutorRejected() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.executor.core-size=1", "lionherd.concurrency.executor.max-size=1",
					"lionherd.concurrency.executor.queue-capacity=0")
			.run((context) -> {
				AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
				CountDownLatch started = new CountDownLatch(1);
				CountDownLatch release = new CountDownLatch(1);
				CompletableFuture<Void> blocker = asyncUtils.runSync(() -> {
					started.countDown();
					release.await();
					return null;
				});
				assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
				assertThat(asyncUtils.runSync(() -> "refused")).failsWithin(Duration.ofSeconds(10))
					.withThrowableThat()
					.withCauseInstanceOf(RejectedExecutionException.class);
				release.countDown();
				assertThat(blocker).succeedsWithin(Duration.ofSeconds(10));
				assertThat(context.getBean(MeterRegistry.class)
					.get("lionherd.executor.rejected")
					.tag("name", "lionherd")
					.counter()
					.count()).isOne();
			});
	}

	@Test
	void executorMetersArePublishedBeforeTheFirstTask() {
		this.contextRunner.run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("lionherd.executor.rejected").tag("name", "lionherd").counter().count()).isZero();
			assertThat(registry.get("lionherd.executor.queue.wait").tag("name", "lionherd").timer().count()).isZero();
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserRetryRecorderConfiguration {

		@Bean
		MicrometerRetryRecorder userRetryRecorder() {
			return new MicrometerRetryRecorder(new SimpleMeterRegistry());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserAsyncUtilsConfiguration {

		@Bean
		AsyncUtils userAsyncUtils(MicrometerMonitorRecorder monitorRecorder) {
			return AsyncUtils.builder().executor(Runnable::run).monitorRecorder(monitorRecorder).build();
		}

	}

}
