package io.lionherd.concurrency.kotlin

import io.lionherd.concurrency.annotation.ConcurrencyLimited
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.assertj.core.api.Assertions.assertThat
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.springframework.stereotype.Component
import java.util.concurrent.CopyOnWriteArrayList

/**
 * `@ConcurrencyLimited` on Kotlin suspend functions: the permit is held from the start of the call
 * to its end, across its suspensions, and a call waiting for one holds no thread.
 */
class SuspendConcurrencyLimitedTests {

	@Test
	fun `a suspend function holds its permit across its suspensions until it returns`() {
		contextRunner().withBean(ReplyService::class.java).run { context ->
			val service = context.getBean(ReplyService::class.java)
			val limit = context.getBean(ConcurrencyLimitRegistry::class.java).get("one")
			singleThread("limited").use { dispatcher ->
				val scope = CoroutineScope(dispatcher)
				val firstReply = CompletableDeferred<String>()
				val secondReply = CompletableDeferred<String>()
				val first = scope.async { service.reply("first", firstReply) }
				val second = scope.async { service.reply("second", secondReply) }
				// the first is suspended in its body, the second waits for the permit: on one thread
				await().atMost(WAIT).until { service.started.size == 1 && limit.waitingCount() == 1 }
				assertThat(limit.inUse()).isOne()
				firstReply.complete("1")
				assertThat(runBlocking { withTimeout(WAIT.toMillis()) { first.await() } }).isEqualTo("1")
				await().atMost(WAIT).until { service.started.size == 2 }
				assertThat(limit.inUse()).isOne()
				secondReply.complete("2")
				assertThat(runBlocking { withTimeout(WAIT.toMillis()) { second.await() } }).isEqualTo("2")
				assertThat(service.started).containsExactly("first", "second")
				assertThat(limit.inUse()).isZero()
			}
		}
	}

	@Component
	class ReplyService {

		val started = CopyOnWriteArrayList<String>()

		@ConcurrencyLimited("one")
		suspend fun reply(name: String, reply: CompletableDeferred<String>): String {
			started.add(name)
			return reply.await()
		}

	}

}
