package io.lionherd.concurrency.kotlin

import io.lionherd.concurrency.ManualTime
import io.lionherd.concurrency.annotation.Monitored
import io.lionherd.concurrency.annotation.RateLimited
import io.lionherd.concurrency.annotation.Retry
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.core.instrument.Timer
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.catchThrowable
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.springframework.boot.test.context.assertj.AssertableApplicationContext
import org.springframework.stereotype.Component
import java.io.IOException
import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList

/**
 * `@Monitored(@Retry(@RateLimited))` on one Kotlin suspend function, as docs/annotations.md
 * documents the nesting: each attempt takes its own rate-limit permit (and waits for it holding
 * no thread), and the monitor records the whole call once, with its final outcome.
 */
class SuspendNestedAnnotationsTests {

	private val contextRunner = contextRunner().withBean(NestedService::class.java)

	@Test
	fun `each attempt waits for its own permit without holding a thread and the call is recorded once`() {
		contextRunner.run { context ->
			val service = context.getBean(NestedService::class.java)
			val limiter = context.rateLimiter("single")
			singleThread("nested").use { dispatcher ->
				val call = CoroutineScope(dispatcher).async { service.quote(failures = 2) }
				await().atMost(WAIT).until { service.attempts.size == 1 && limiter.waitingCount() == 1 }
				assertThat(monitorTimers(context)).isEmpty()
				context.time().advance(Duration.ofSeconds(1))
				await().atMost(WAIT).until { service.attempts.size == 2 && limiter.waitingCount() == 1 }
				context.time().advance(Duration.ofSeconds(1))
				assertThat(runBlocking { withTimeout(WAIT.toMillis()) { call.await() } }).isEqualTo("attempt 3")
				assertThat(service.attempts.map { it.toMillis() }).describedAs("one permit per attempt, 1 per second")
					.containsExactly(0, 1000, 2000)
				assertThat(limiter.availablePermits()).isZero()
				assertThat(monitorTimers(context)).singleElement()
					.satisfies({ timer ->
						assertThat(timer.id.getTag("outcome")).isEqualTo("success")
						assertThat(timer.count()).isOne()
					})
			}
		}
	}

	@Test
	fun `a call whose every attempt fails takes one permit per attempt and is recorded once as an error`() {
		contextRunner.run { context ->
			val service = context.getBean(NestedService::class.java)
			val thrown = catchThrowable { runBlocking { service.wideQuote() } }
			assertThat(thrown).isInstanceOf(IOException::class.java)
			assertThat(service.attempts).hasSize(3)
			assertThat(context.rateLimiter("wide").availablePermits()).isEqualTo(10 - 3)
			assertThat(monitorTimers(context)).singleElement()
				.satisfies({ timer ->
					assertThat(timer.id.getTag("outcome")).isEqualTo("error")
					assertThat(timer.id.getTag("exception")).isEqualTo("IOException")
					assertThat(timer.count()).isOne()
				})
		}
	}

	private fun monitorTimers(context: AssertableApplicationContext): Collection<Timer> =
		context.getBean(MeterRegistry::class.java).find("lionherd.monitor").tag("name", "nested").timers()

	@Component
	class NestedService(private val time: ManualTime) {

		/** The manual clock's reading at each attempt. */
		val attempts = CopyOnWriteArrayList<Duration>()

		@Monitored("nested")
		@Retry("instant")
		@RateLimited("single")
		suspend fun quote(failures: Int): String {
			yield()
			attempts.add(time.elapsed())
			if (attempts.size <= failures) {
				throw IOException("attempt ${attempts.size} failed")
			}
			return "attempt ${attempts.size}"
		}

		@Monitored("nested")
		@Retry("instant")
		@RateLimited("wide")
		suspend fun wideQuote(): String {
			yield()
			attempts.add(time.elapsed())
			throw IOException("attempt ${attempts.size} failed")
		}

	}

}
