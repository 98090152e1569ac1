package io.lionherd.concurrency.kotlin

import io.lionherd.concurrency.ManualTime
import io.lionherd.concurrency.autoconfigure.AsyncUtilsBuilderCustomizer
import io.lionherd.concurrency.autoconfigure.LionherdAnnotationsAutoConfiguration
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyAutoConfiguration
import io.lionherd.concurrency.autoconfigure.LionherdMetricsAutoConfiguration
import io.lionherd.concurrency.ratelimit.RateLimiter
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import kotlinx.coroutines.ExecutorCoroutineDispatcher
import kotlinx.coroutines.asCoroutineDispatcher
import org.springframework.boot.autoconfigure.AutoConfigurations
import org.springframework.boot.test.context.assertj.AssertableApplicationContext
import org.springframework.boot.test.context.runner.ApplicationContextRunner
import org.springframework.context.annotation.Bean
import org.springframework.context.annotation.Configuration
import java.time.Duration
import java.util.concurrent.Executors

/** How long a test waits for what must happen soon: a bound against a hang, never a measure. */
val WAIT: Duration = Duration.ofSeconds(30)

/**
 * The project's auto-configurations with a manual clock (the limiters' windows move only when a
 * test advances it) and a [SimpleMeterRegistry], as an application using suspend functions has
 * them: Reactor and kotlinx-coroutines-reactor on the class path.
 */
fun contextRunner(): ApplicationContextRunner = ApplicationContextRunner()
	.withConfiguration(
		AutoConfigurations.of(
			LionherdConcurrencyAutoConfiguration::class.java,
			LionherdAnnotationsAutoConfiguration::class.java,
			LionherdMetricsAutoConfiguration::class.java,
		),
	)
	.withUserConfiguration(ManualClockConfiguration::class.java)
	.withPropertyValues(
		"lionherd.concurrency.rate-limiters.two-per-second.max-calls=2",
		"lionherd.concurrency.rate-limiters.two-per-second.period=1s",
		"lionherd.concurrency.rate-limiters.single.max-calls=1",
		"lionherd.concurrency.rate-limiters.single.period=1s",
		"lionherd.concurrency.rate-limiters.wide.max-calls=10",
		"lionherd.concurrency.rate-limiters.wide.period=1s",
		"lionherd.concurrency.capacity-limiters.one.total=1",
		"lionherd.concurrency.retries.instant.max-attempts=3",
		"lionherd.concurrency.retries.instant.base-delay=0s",
		"lionherd.concurrency.retries.instant.max-delay=0s",
		"lionherd.concurrency.retries.instant.jitter=0",
	)

@Configuration(proxyBeanMethods = false)
class ManualClockConfiguration {

	@Bean
	fun manualTime(): ManualTime = ManualTime()

	@Bean
	fun manualClock(time: ManualTime): AsyncUtilsBuilderCustomizer = AsyncUtilsBuilderCustomizer(time::configure)

	@Bean
	fun meterRegistry(): MeterRegistry = SimpleMeterRegistry()

}

fun AssertableApplicationContext.rateLimiter(name: String): RateLimiter =
	getBean(RateLimiterRegistry::class.java).get(name)

fun AssertableApplicationContext.time(): ManualTime = getBean(ManualTime::class.java)

/**
 * One thread for every coroutine of a test: a coroutine that blocked it while waiting for a permit
 * would stop all the others.
 */
fun singleThread(name: String): ExecutorCoroutineDispatcher =
	Executors.newSingleThreadExecutor { task -> Thread(task, name) }.asCoroutineDispatcher()
