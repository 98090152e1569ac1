package io.lionherd.concurrency.autoconfigure;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties.RateLimiterProperties;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterFactory;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LionherdConcurrencyAutoConfiguration}.
 */
class LionherdConcurrencyAutoConfigurationTests {

	private static final String EXECUTOR = LionherdConcurrencyAutoConfiguration.EXECUTOR_BEAN_NAME;

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class, TaskExecutionAutoConfiguration.class));

	@Test
	void asyncUtilsIsAutoConfiguredWithNoConfiguration() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(AsyncUtils.class);
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			assertThat(asyncUtils.runSync(() -> "done").get(10, TimeUnit.SECONDS)).isEqualTo("done");
		});
	}

	@Test
	void executorHasBootLikeDefaults() {
		this.contextRunner.run((context) -> {
			ThreadPoolTaskExecutor executor = context.getBean(EXECUTOR, ThreadPoolTaskExecutor.class);
			assertThat(executor.getCorePoolSize()).isEqualTo(8);
			assertThat(executor.getMaxPoolSize()).isEqualTo(Integer.MAX_VALUE);
			assertThat(executor.getQueueCapacity()).isEqualTo(Integer.MAX_VALUE);
			assertThat(executor.getKeepAliveSeconds()).isEqualTo(60);
			assertThat(executor.getThreadNamePrefix()).isEqualTo("lionherd-");
		});
	}

	@Test
	void executorUsesPoolProperties() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.executor.core-size=2", "lionherd.concurrency.executor.max-size=5",
					"lionherd.concurrency.executor.queue-capacity=10", "lionherd.concurrency.executor.keep-alive=5s",
					"lionherd.concurrency.executor.allow-core-thread-timeout=false")
			.run((context) -> {
				ThreadPoolTaskExecutor executor = context.getBean(EXECUTOR, ThreadPoolTaskExecutor.class);
				assertThat(executor.getCorePoolSize()).isEqualTo(2);
				assertThat(executor.getMaxPoolSize()).isEqualTo(5);
				assertThat(executor.getQueueCapacity()).isEqualTo(10);
				assertThat(executor.getKeepAliveSeconds()).isEqualTo(5);
				assertThat(executor.getThreadPoolExecutor().allowsCoreThreadTimeOut()).isFalse();
			});
	}

	@Test
	void runSyncRunsOnThreadsNamedByThreadNamePrefix() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.executor.thread-name-prefix=herd-")
			.run((context) -> {
				AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
				String threadName = asyncUtils.runSync(() -> Thread.currentThread().getName())
					.get(10, TimeUnit.SECONDS);
				assertThat(threadName).startsWith("herd-");
			});
	}

	@Test
	void fullExecutorFailsRunSyncWithRejection() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.executor.core-size=1", "lionherd.concurrency.executor.max-size=1",
					"lionherd.concurrency.executor.queue-capacity=0")
			.run((context) -> {
				AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
				CompletableFuture<Void> blocker = new CompletableFuture<>();
				CompletableFuture<Object> running = asyncUtils.runSync(() -> blocker.get(10, TimeUnit.SECONDS));
				CompletableFuture<String> rejected = asyncUtils.runSync(() -> "never");
				assertThat(rejected).failsWithin(Duration.ofSeconds(5))
					.withThrowableOfType(java.util.concurrent.ExecutionException.class)
					.withCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class);
				blocker.complete(null);
				assertThat(running).succeedsWithin(Duration.ofSeconds(10));
			});
	}

	@Test
	void cancelledQueuedTaskLeavesTheExecutorQueue() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.executor.core-size=1", "lionherd.concurrency.executor.max-size=1")
			.run((context) -> {
				AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
				ThreadPoolTaskExecutor executor = context.getBean(EXECUTOR, ThreadPoolTaskExecutor.class);
				CompletableFuture<Void> release = new CompletableFuture<>();
				asyncUtils.runSync(() -> release.get(10, TimeUnit.SECONDS));
				AtomicBoolean queuedRan = new AtomicBoolean();
				CompletableFuture<Void> queued = asyncUtils.runSync(() -> queuedRan.set(true));
				assertThat(executor.getQueueSize()).isOne();
				queued.cancel(true);
				assertThat(executor.getQueueSize()).isZero();
				release.complete(null);
				assertThat(asyncUtils.runSync(() -> "after")).succeedsWithin(Duration.ofSeconds(10));
				assertThat(queuedRan).isFalse();
			});
	}

	@Test
	void shutdownWaitsForRunningAndQueuedTasks() {
		AtomicBoolean running = new AtomicBoolean();
		AtomicBoolean queued = new AtomicBoolean();
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.executor.core-size=1", "lionherd.concurrency.executor.max-size=1")
			.run((context) -> {
				AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
				asyncUtils.runSync(() -> {
					Thread.sleep(300);
					running.set(true);
					return null;
				});
				asyncUtils.runSync(() -> queued.set(true));
			});
		assertThat(running).isTrue();
		assertThat(queued).isTrue();
	}

	@Test
	void shutdownWithoutAwaitTerminationInterruptsRunningTasks() {
		AtomicBoolean interrupted = new AtomicBoolean();
		CompletableFuture<Void> started = new CompletableFuture<>();
		this.contextRunner.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class))
			.withPropertyValues("lionherd.concurrency.executor.await-termination=false",
					"spring.lifecycle.timeout-per-shutdown-phase=500ms")
			.run((context) -> {
				AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
				asyncUtils.runSync(() -> {
					started.complete(null);
					try {
						Thread.sleep(30_000);
					}
					catch (InterruptedException ex) {
						interrupted.set(true);
					}
				});
				started.get(10, TimeUnit.SECONDS);
			});
		org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilTrue(interrupted);
	}

	@Test
	void awaitTerminationPeriodBoundsTheWaitOnShutdown() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.executor.await-termination-period=200ms")
			.run((context) -> {
				AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
				CompletableFuture<Void> started = new CompletableFuture<>();
				asyncUtils.runSync(() -> {
					started.complete(null);
					Thread.sleep(60_000);
					return null;
				});
				started.get(10, TimeUnit.SECONDS);
				long start = System.nanoTime();
				context.close();
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
			});
	}

	@Test
	void applicationTaskExecutorStaysInPlace() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasBean(TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME);
			assertThat(context.getBean(Executor.class))
				.isSameAs(context.getBean(TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME));
		});
	}

	@Test
	void asyncUtilsWhenUserDefinesOneShouldBackOff() {
		this.contextRunner.withUserConfiguration(UserAsyncUtilsConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(AsyncUtils.class);
			assertThat(context.getBean(AsyncUtils.class)).isSameAs(context.getBean("userAsyncUtils"));
			assertThat(context).doesNotHaveBean(EXECUTOR);
		});
	}

	@Test
	void executorWhenUserDefinesOneNamedLionherdTaskExecutorShouldBackOff() {
		this.contextRunner.withBean(EXECUTOR, ThreadPoolTaskExecutor.class, () -> {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setThreadNamePrefix("custom-");
			return executor;
		}).run((context) -> {
			assertThat(context).hasNotFailed();
			String threadName = context.getBean(AsyncUtils.class)
				.runSync(() -> Thread.currentThread().getName())
				.get(10, TimeUnit.SECONDS);
			assertThat(threadName).startsWith("custom-");
		});
	}

	@Test
	void beanNamePointsAsyncUtilsAtAnExistingExecutor() {
		this.contextRunner.withUserConfiguration(UserExecutorConfiguration.class)
			.withPropertyValues("lionherd.concurrency.executor.bean-name=userExecutor")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(EXECUTOR);
				String threadName = context.getBean(AsyncUtils.class)
					.runSync(() -> Thread.currentThread().getName())
					.get(10, TimeUnit.SECONDS);
				assertThat(threadName).startsWith("user-executor");
			});
	}

	@Test
	void beanNameOfMissingExecutorFailsStartup() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.executor.bean-name=nope").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("lionherd.concurrency.executor.bean-name")
				.hasMessageContaining("nope")
				.hasMessageContaining("existing java.util.concurrent.Executor bean");
		});
	}

	@Test
	void taskDecoratorBeansApplyToTheExecutor() {
		this.contextRunner
			.withUserConfiguration(LionherdExecutorConfigurationsTests.MarkingTaskDecoratorConfiguration.class)
			.run((context) -> {
				String seen = context.getBean(AsyncUtils.class)
					.runSync(LionherdExecutorConfigurationsTests.MarkingTaskDecoratorConfiguration.MARKER::get)
					.get(10, TimeUnit.SECONDS);
				assertThat(seen).isEqualTo("decorated");
			});
	}

	@Test
	void rateLimitersAreReachableByNameFromTheRegistry() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.rate-limiters.payments.max-calls=2",
					"lionherd.concurrency.rate-limiters.payments.period=1h",
					"lionherd.concurrency.rate-limiters.search.max-calls=5")
			.run((context) -> {
				RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
				assertThat(registry.names()).containsExactly("payments", "search");
				RateLimiter payments = registry.get("payments");
				assertThat(payments.tryAcquire()).isTrue();
				assertThat(payments.tryAcquire()).isTrue();
				assertThat(payments.tryAcquire()).isFalse();
				assertThat(registry.get("payments")).isSameAs(payments);
			});
	}

	@Test
	void rateLimiterOfAUserBackendIsCreatedByThatBackendsFactoryOnce() {
		List<String> asked = new CopyOnWriteArrayList<>();
		RateLimiterFactory inMemory = RateLimiterFactory.inMemory();
		RateLimiterBackend custom = new RateLimiterBackend() {

			@Override
			public String name() {
				return "custom";
			}

			@Override
			public RateLimiterFactory factory(String limiterName, RateLimiterProperties properties) {
				asked.add(limiterName);
				return inMemory;
			}

		};
		this.contextRunner.withBean(RateLimiterBackend.class, () -> custom)
			.withPropertyValues("lionherd.concurrency.rate-limiters.shared.max-calls=1",
					"lionherd.concurrency.rate-limiters.shared.backend=custom",
					"lionherd.concurrency.rate-limiters.mine.max-calls=1")
			.run((context) -> {
				RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
				assertThat(registry.names()).containsExactly("shared", "mine");
				assertThat(asked).containsExactly("shared");
			});
	}

	@Test
	void unknownBackendStopsStartupListingTheKnownBackends() {
		assertInvalid("lionherd.concurrency.rate-limiters.api.backend=memcached",
				"lionherd.concurrency.rate-limiters.api.backend", "memcached",
				"backend must be one of [local]: local, or the name of a RateLimiterBackend bean");
	}

	@Test
	void backendNameIsCaseInsensitiveAsAnEnumPropertyWas() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.rate-limiters.api.max-calls=1",
					"lionherd.concurrency.rate-limiters.api.backend=LOCAL")
			.run((context) -> assertThat(context.getBean(RateLimiterRegistry.class).get("api").backend())
				.isEqualTo("local"));
	}

	@Test
	void rateLimiterRegistryIsEmptyWithoutConfiguration() {
		this.contextRunner.run((context) -> assertThat(context.getBean(RateLimiterRegistry.class).names()).isEmpty());
	}

	@Test
	void rateLimiterRegistryWhenUserDefinesOneShouldBackOff() {
		this.contextRunner.withBean("userRegistry", RateLimiterRegistry.class, RateLimiterRegistry::new)
			.run((context) -> assertThat(context.getBean(RateLimiterRegistry.class))
				.isSameAs(context.getBean("userRegistry")));
	}

	@Test
	void zeroRateLimiterMaxCallsFailsStartup() {
		assertInvalid("lionherd.concurrency.rate-limiters.api.max-calls=0",
				"lionherd.concurrency.rate-limiters.api.max-calls", "0", "max-calls must be from 1 to 67108864 (2^26)");
	}

	@Test
	void rateLimiterMaxCallsAboveTheRingFailsStartup() {
		assertInvalid("lionherd.concurrency.rate-limiters.api.max-calls=67108865",
				"lionherd.concurrency.rate-limiters.api.max-calls", "67108865",
				"max-calls must be from 1 to 67108864 (2^26)");
	}

	@Test
	void negativeRateLimiterTimeoutFailsStartup() {
		assertInvalid("lionherd.concurrency.rate-limiters.api.timeout=-1s",
				"lionherd.concurrency.rate-limiters.api.timeout", "PT-1S",
				"timeout must be zero or positive, or unset for no limit");
	}

	@Test
	void rateLimiterTimeoutBoundsAcquire() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.rate-limiters.api.max-calls=1",
					"lionherd.concurrency.rate-limiters.api.period=1h",
					"lionherd.concurrency.rate-limiters.api.timeout=50ms")
			.run((context) -> {
				RateLimiter api = context.getBean(RateLimiterRegistry.class).get("api");
				assertThat(api.config())
					.isEqualTo(new RateLimiterConfig(1, Duration.ofHours(1), Duration.ofMillis(50)));
				assertThat(api.tryAcquire()).isTrue();
				assertThat(api.acquire()).failsWithin(Duration.ofSeconds(10))
					.withThrowableOfType(ExecutionException.class)
					.withCauseInstanceOf(TimeoutException.class);
			});
	}

	@Test
	void rateLimiterWithoutTimeoutWaitsWithoutLimit() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.rate-limiters.api.max-calls=1")
			.run((context) -> assertThat(context.getBean(RateLimiterRegistry.class).get("api").config().timeout())
				.isNull());
	}

	@Test
	void builderCustomizersAreAppliedInOrder() {
		this.contextRunner.withUserConfiguration(CustomizerConfiguration.class)
			.run((context) -> assertThat(context.getBean(AsyncUtils.class).currentTime()).isEqualTo(2.0));
	}

	@Test
	void zeroRateLimiterPeriodFailsStartup() {
		assertInvalid("lionherd.concurrency.rate-limiters.api.period=0s",
				"lionherd.concurrency.rate-limiters.api.period", "PT0S", "period must be positive");
	}

	@Test
	void negativeCoreSizeFailsStartup() {
		assertInvalid("lionherd.concurrency.executor.core-size=-1", "lionherd.concurrency.executor.core-size", "-1",
				"core-size must be zero or more");
	}

	@Test
	void maxSizeBelowCoreSizeFailsStartup() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.executor.core-size=4", "lionherd.concurrency.executor.max-size=2")
			.run((context) -> assertFailure(context.getStartupFailure(), "lionherd.concurrency.executor.max-size", "2",
					"max-size must be at least core-size (4)"));
	}

	@Test
	void zeroMaxSizeFailsStartup() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.executor.core-size=0", "lionherd.concurrency.executor.max-size=0")
			.run((context) -> assertFailure(context.getStartupFailure(), "lionherd.concurrency.executor.max-size", "0",
					"max-size must be at least 1"));
	}

	@Test
	void negativeQueueCapacityFailsStartup() {
		assertInvalid("lionherd.concurrency.executor.queue-capacity=-5", "lionherd.concurrency.executor.queue-capacity",
				"-5", "queue-capacity must be zero or more");
	}

	@Test
	void negativeKeepAliveFailsStartup() {
		assertInvalid("lionherd.concurrency.executor.keep-alive=-1s", "lionherd.concurrency.executor.keep-alive",
				"PT-1S", "keep-alive must be zero or positive");
	}

	@Test
	void subSecondKeepAliveWithCoreThreadTimeoutFailsStartup() {
		assertInvalid("lionherd.concurrency.executor.keep-alive=500ms", "lionherd.concurrency.executor.keep-alive",
				"PT0.5S", "keep-alive must be at least 1s while allow-core-thread-timeout is true");
	}

	@Test
	void zeroKeepAliveWithoutCoreThreadTimeoutIsAccepted() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.executor.keep-alive=0s",
					"lionherd.concurrency.executor.allow-core-thread-timeout=false")
			.run((context) -> assertThat(context.getBean(EXECUTOR, ThreadPoolTaskExecutor.class).getKeepAliveSeconds())
				.isZero());
	}

	@Test
	void beanNameOfABeanThatIsNotAnExecutorFailsStartup() {
		this.contextRunner.withBean("notAnExecutor", String.class, () -> "text")
			.withPropertyValues("lionherd.concurrency.executor.bean-name=notAnExecutor")
			.run((context) -> assertFailure(context.getStartupFailure(), "lionherd.concurrency.executor.bean-name",
					"notAnExecutor", "bean-name must name an existing java.util.concurrent.Executor bean"));
	}

	@Test
	void blankThreadNamePrefixFailsStartup() {
		assertInvalid("lionherd.concurrency.executor.thread-name-prefix= ",
				"lionherd.concurrency.executor.thread-name-prefix", "", "thread-name-prefix must not be blank");
	}

	@Test
	void negativeAwaitTerminationPeriodFailsStartup() {
		assertInvalid("lionherd.concurrency.executor.await-termination-period=-2s",
				"lionherd.concurrency.executor.await-termination-period", "PT-2S",
				"await-termination-period must be zero or positive");
	}

	@Test
	void keepAliveBeyondIntegerSecondsFailsStartup() {
		assertInvalid("lionherd.concurrency.executor.keep-alive=3000000000s",
				"lionherd.concurrency.executor.keep-alive", "PT833333H20M", "keep-alive must be at most 2147483647s");
	}

	@Test
	void keepAliveThatWrapsToAValidIntFailsStartup() {
		// 2^32 + 1 seconds: a plain int cast would silently make it 1s.
		assertInvalid("lionherd.concurrency.executor.keep-alive=4294967297s",
				"lionherd.concurrency.executor.keep-alive", "PT1193046H28M17S",
				"keep-alive must be at most 2147483647s");
	}

	@Test
	void keepAliveOfIntegerMaxSecondsIsAccepted() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.executor.keep-alive=2147483647s")
			.run((context) -> assertThat(context.getBean(EXECUTOR, ThreadPoolTaskExecutor.class).getKeepAliveSeconds())
				.isEqualTo(Integer.MAX_VALUE));
	}

	@Test
	void awaitTerminationPeriodBeyondLongMillisFailsStartup() {
		assertInvalid("lionherd.concurrency.executor.await-termination-period=9223372036854775807s",
				"lionherd.concurrency.executor.await-termination-period", "PT2562047788015215H30M7S",
				"await-termination-period must be at most 9223372036854775807ms");
	}

	@Test
	void awaitTerminationPeriodJustBeyondLongMillisFailsStartup() {
		assertInvalid("lionherd.concurrency.executor.await-termination-period=9223372036854776s",
				"lionherd.concurrency.executor.await-termination-period", "PT2562047788015H12M56S",
				"await-termination-period must be at most 9223372036854775807ms");
	}

	@Test
	void awaitTerminationPeriodOfLongMaxMillisIsAccepted() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.executor.await-termination-period=9223372036854775807ms")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21, disabledReason = "virtual threads need Java 21+")
	void awaitTerminationPeriodBeyondLongMillisFailsStartupWithVirtualThreads() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.executor.virtual-threads=true",
					"lionherd.concurrency.executor.await-termination-period=9223372036854775807s")
			.run((context) -> assertFailure(context.getStartupFailure(),
					"lionherd.concurrency.executor.await-termination-period", "PT2562047788015215H30M7S",
					"await-termination-period must be at most 9223372036854775807ms"));
	}

	@Test
	void hugeRateLimiterPeriodIsAccepted() {
		this.contextRunner
			.withPropertyValues("lionherd.concurrency.rate-limiters.api.max-calls=1",
					"lionherd.concurrency.rate-limiters.api.period=9223372036854775807s")
			.run((context) -> {
				RateLimiter limiter = context.getBean(RateLimiterRegistry.class).get("api");
				assertThat(limiter.tryAcquire()).isTrue();
				assertThat(limiter.tryAcquire()).isFalse();
			});
	}

	@Test
	void zeroMonitorMaxNamesFailsStartup() {
		assertInvalid("lionherd.concurrency.monitor.max-names=0", "lionherd.concurrency.monitor.max-names", "0",
				"max-names must be at least 1");
	}

	@Test
	void nonNumericCoreSizeFailsStartupNamingTheProperty() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.executor.core-size=lots").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("lionherd.concurrency.executor.core-size")
				.hasStackTraceContaining("lots");
		});
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20, disabledReason = "this JVM has virtual threads")
	void virtualThreadsOnJvmWithoutThemFailStartup() {
		assertInvalid("lionherd.concurrency.executor.virtual-threads=true",
				"lionherd.concurrency.executor.virtual-threads", "true", "virtual threads need Java 21 or later");
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20, disabledReason = "this JVM has virtual threads")
	void springVirtualThreadsOnJvmWithoutThemKeepThePlatformPool() {
		this.contextRunner.withPropertyValues("spring.threads.virtual.enabled=true")
			.run((context) -> assertThat(context.getBean(EXECUTOR)).isInstanceOf(ThreadPoolTaskExecutor.class));
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21, disabledReason = "virtual threads need Java 21+")
	void virtualThreadsRunTasksOnVirtualThreads() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.executor.virtual-threads=true").run((context) -> {
			assertThat(context.getBean(EXECUTOR)).isInstanceOf(SimpleAsyncTaskExecutor.class);
			assertThat(runsOnVirtualThread(context.getBean(AsyncUtils.class))).isTrue();
		});
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21, disabledReason = "virtual threads need Java 21+")
	void virtualThreadsFollowSpringThreadsVirtualEnabledByDefault() {
		this.contextRunner.withPropertyValues("spring.threads.virtual.enabled=true")
			.run((context) -> assertThat(runsOnVirtualThread(context.getBean(AsyncUtils.class))).isTrue());
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21, disabledReason = "virtual threads need Java 21+")
	void virtualThreadsPropertyOverridesSpringThreadsVirtualEnabled() {
		this.contextRunner
			.withPropertyValues("spring.threads.virtual.enabled=true",
					"lionherd.concurrency.executor.virtual-threads=false")
			.run((context) -> assertThat(runsOnVirtualThread(context.getBean(AsyncUtils.class))).isFalse());
	}

	@Test
	void registryBeanNameLeavesRoomForResilience4jsRateLimiterRegistry() {
		// Resilience4j's starter names its own registry bean "rateLimiterRegistry"
		this.contextRunner.withBean("rateLimiterRegistry", String.class, () -> "Resilience4j's")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(RateLimiterRegistry.class));
	}

	private static boolean runsOnVirtualThread(AsyncUtils asyncUtils) throws Exception {
		Method isVirtual = Thread.class.getMethod("isVirtual");
		return asyncUtils.runSync(() -> (Boolean) isVirtual.invoke(Thread.currentThread())).get(10, TimeUnit.SECONDS);
	}

	private void assertInvalid(String property, String name, String value, String reason) {
		this.contextRunner.withPropertyValues(property)
			.run((context) -> assertFailure(context.getStartupFailure(), name, value, reason));
	}

	private static void assertFailure(Throwable failure, String name, String value, String reason) {
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

	@Configuration(proxyBeanMethods = false)
	static class UserAsyncUtilsConfiguration {

		@Bean
		AsyncUtils userAsyncUtils() {
			return AsyncUtils.create(Runnable::run);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserExecutorConfiguration {

		@Bean(destroyMethod = "shutdown")
		ExecutorService userExecutor() {
			return Executors.newSingleThreadExecutor((runnable) -> new Thread(runnable, "user-executor"));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomizerConfiguration {

		@Bean
		@Order(2)
		AsyncUtilsBuilderCustomizer secondTicker() {
			return (builder) -> builder.ticker(() -> 2_000_000_000L);
		}

		@Bean
		@Order(1)
		AsyncUtilsBuilderCustomizer firstTicker() {
			return (builder) -> builder.ticker(() -> 1_000_000_000L);
		}

	}

}
