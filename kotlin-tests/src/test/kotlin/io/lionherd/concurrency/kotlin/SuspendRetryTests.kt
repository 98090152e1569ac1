package io.lionherd.concurrency.kotlin

import io.lionherd.concurrency.annotation.Retry
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.catchThrowable
import org.junit.jupiter.api.Test
import org.springframework.stereotype.Component
import java.io.IOException
import java.util.concurrent.CopyOnWriteArrayList

/**
 * `@Retry` on Kotlin suspend functions: each attempt invokes the function again (a
 * resubscription of the `Mono` Spring AOP hands over), and the caller gets the last failure.
 */
class SuspendRetryTests {

	private val contextRunner = contextRunner().withBean(FlakyService::class.java)

	@Test
	fun `a function that keeps failing runs exactly max-attempts times and its last failure is thrown as is`() {
		contextRunner.run { context ->
			val service = context.getBean(FlakyService::class.java)
			val thrown = catchThrowable { runBlocking { service.failing(failures = Int.MAX_VALUE) } }
			assertThat(service.failures).hasSize(3)
			assertThat(thrown).isSameAs(service.failures.last())
		}
	}

	@Test
	fun `a function that fails twice succeeds on its third attempt`() {
		contextRunner.run { context ->
			val service = context.getBean(FlakyService::class.java)
			assertThat(runBlocking { service.failing(failures = 2) }).isEqualTo("attempt 3")
			assertThat(service.failures.map { it.attempt }).containsExactly(1, 2)
		}
	}

	/**
	 * Its only constructor takes an `Int`: kotlinx-coroutines' stack-trace recovery (on with
	 * assertions, as in tests) cannot copy it, so the caller sees the instance thrown.
	 */
	class AttemptFailed(val attempt: Int) : IOException("attempt $attempt failed")

	@Component
	class FlakyService {

		val failures = CopyOnWriteArrayList<AttemptFailed>()

		@Retry("instant")
		suspend fun failing(failures: Int): String {
			yield()
			val attempt = this.failures.size + 1
			if (attempt <= failures) {
				val failure = AttemptFailed(attempt)
				this.failures.add(failure)
				throw failure
			}
			return "attempt $attempt"
		}

	}

}
