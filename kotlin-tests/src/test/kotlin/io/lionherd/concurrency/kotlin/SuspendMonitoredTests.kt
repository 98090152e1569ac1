package io.lionherd.concurrency.kotlin

import io.lionherd.concurrency.annotation.Monitored
import io.micrometer.core.instrument.MeterRegistry
import io.micrometer.core.instrument.Timer
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.runBlocking
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.catchThrowable
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.springframework.boot.test.context.assertj.AssertableApplicationContext
import org.springframework.stereotype.Component
import java.io.IOException
import java.util.concurrent.atomic.AtomicInteger

/**
 * `@Monitored` on Kotlin suspend functions: the `lionherd.monitor` timer (`type=async`) records
 * each call from its start to its end, with outcome `success`, `error` or `cancelled`.
 */
class SuspendMonitoredTests {

	private val contextRunner = contextRunner().withBean(ReplyService::class.java)

	@Test
	fun `a call that returns is recorded as a success`() {
		contextRunner.run { context ->
			val service = context.getBean(ReplyService::class.java)
			val reply = CompletableDeferred("done")
			assertThat(runBlocking { service.reply(reply) }).isEqualTo("done")
			assertThat(monitorTimer(context, "success", "none")?.count()).isOne()
			assertThat(monitorTimers(context)).hasSize(1)
		}
	}

	@Test
	fun `a call that throws is recorded as an error naming its exception`() {
		contextRunner.run { context ->
			val service = context.getBean(ReplyService::class.java)
			val reply = CompletableDeferred<String>()
			reply.completeExceptionally(IOException("down"))
			assertThat(catchThrowable { runBlocking { service.reply(reply) } }).isInstanceOf(IOException::class.java)
			assertThat(monitorTimer(context, "error", "IOException")?.count()).isOne()
			assertThat(monitorTimers(context)).hasSize(1)
		}
	}

	@Test
	fun `a coroutine cancelled while the call runs is recorded as cancelled`() {
		contextRunner.run { context ->
			val service = context.getBean(ReplyService::class.java)
			singleThread("replies").use { dispatcher ->
				val never = CompletableDeferred<String>()
				val call = CoroutineScope(dispatcher).async { service.reply(never) }
				await().atMost(WAIT).until { service.started.get() == 1 }
				assertThat(monitorTimers(context)).isEmpty()
				runBlocking { call.cancelAndJoin() }
				assertThat(monitorTimer(context, "cancelled", "none")?.count()).isOne()
				assertThat(monitorTimers(context)).hasSize(1)
			}
		}
	}

	private fun monitorTimers(context: AssertableApplicationContext): Collection<Timer> =
		context.getBean(MeterRegistry::class.java).find("lionherd.monitor").tag("name", "replies").timers()

	private fun monitorTimer(context: AssertableApplicationContext, outcome: String, exception: String): Timer? =
		context.getBean(MeterRegistry::class.java)
			.find("lionherd.monitor")
			.tags("name", "replies", "type", "async", "outcome", outcome, "exception", exception)
			.timer()

	@Component
	class ReplyService {

		val started = AtomicInteger()

		@Monitored("replies")
		suspend fun reply(reply: CompletableDeferred<String>): String {
			started.incrementAndGet()
			return reply.await()
		}

	}

}
