package io.lionherd.concurrency.kotlin

import io.lionherd.concurrency.ManualTime
import io.lionherd.concurrency.annotation.RateLimited
import io.lionherd.concurrency.ratelimit.RateLimitExceededException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.catchThrowable
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.springframework.aop.support.AopUtils
import org.springframework.stereotype.Component
import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList

/**
 * `@RateLimited` on Kotlin suspend functions: Spring AOP hands the call to the interceptor as a
 * `Mono`, so a coroutine waits for its permit suspended, holding no thread.
 */
class SuspendRateLimitedTests {

	private val contextRunner = contextRunner().withBean(QuoteService::class.java)

	@Test
	fun `coroutines beyond the window wait for their permits without holding their only thread`() {
		contextRunner.run { context ->
			val service = context.getBean(QuoteService::class.java)
			assertThat(AopUtils.isAopProxy(service)).isTrue()
			val limiter = context.rateLimiter("two-per-second")
			singleThread("quotes").use { dispatcher ->
				val quotes = (1..5).map { i -> CoroutineScope(dispatcher).async { service.quote("Q$i") } }
				// Three coroutines wait at once on the one thread: none of them blocks it.
				await().atMost(WAIT).until { service.calls.size == 2 && limiter.waitingCount() == 3 }
				context.time().advance(Duration.ofSeconds(1))
				await().atMost(WAIT).until { service.calls.size == 4 && limiter.waitingCount() == 1 }
				context.time().advance(Duration.ofSeconds(1))
				val results = runBlocking { withTimeout(WAIT.toMillis()) { quotes.awaitAll() } }
				assertThat(results).containsExactly("Q1", "Q2", "Q3", "Q4", "Q5")
				assertThat(service.calls.map { it.at.toMillis() }).describedAs("2 per second")
					.containsExactly(0, 0, 1000, 1000, 2000)
				assertThat(service.calls.map { it.thread }).describedAs("in the caller's dispatcher").containsOnly("quotes")
			}
		}
	}

	@Test
	fun `a refusal is thrown to the calling coroutine and the function never runs`() {
		contextRunner.run { context ->
			val service = context.getBean(QuoteService::class.java)
			assertThat(context.rateLimiter("single").tryAcquire()).isTrue()
			// Time never moves here: a refusal that came only after a wait would never come.
			val refusal = catchThrowable { runBlocking { withTimeout(WAIT.toMillis()) { service.now("refused") } } }
			assertThat(refusal).isInstanceOf(RateLimitExceededException::class.java)
			assertThat((refusal as RateLimitExceededException).limiterName()).isEqualTo("single")
			assertThat(service.calls).isEmpty()
		}
	}

	@Test
	fun `cancelling a coroutine waiting for its permit gives its place to the next and charges nothing`() {
		contextRunner.run { context ->
			val service = context.getBean(QuoteService::class.java)
			val limiter = context.rateLimiter("single")
			assertThat(limiter.tryAcquire()).isTrue()
			singleThread("waiters").use { dispatcher ->
				val scope = CoroutineScope(dispatcher)
				val cancelled = scope.async { service.single("cancelled") }
				await().atMost(WAIT).until { limiter.waitingCount() == 1 }
				val next = scope.async { service.single("next") }
				await().atMost(WAIT).until { limiter.waitingCount() == 2 }
				runBlocking { cancelled.cancelAndJoin() }
				assertThat(limiter.waitingCount()).isOne()
				context.time().advance(Duration.ofSeconds(1))
				assertThat(runBlocking { withTimeout(WAIT.toMillis()) { next.await() } }).isEqualTo("next")
				assertThat(service.calls.map { it.name }).containsExactly("next")
				assertThat(limiter.waitingCount()).isZero()
				assertThat(limiter.availablePermits()).describedAs("the one permit of the window went to next").isZero()
			}
		}
	}

	/** One call of the service: its argument, the manual clock's reading and its thread. */
	data class Call(val name: String, val at: Duration, val thread: String)

	@Component
	class QuoteService(private val time: ManualTime) {

		val calls = CopyOnWriteArrayList<Call>()

		@RateLimited("two-per-second")
		suspend fun quote(symbol: String): String = called(symbol)

		@RateLimited("single")
		suspend fun single(name: String): String = called(name)

		@RateLimited(value = "single", timeout = "0")
		suspend fun now(name: String): String = called(name)

		private suspend fun called(name: String): String {
			// kotlinx-coroutines' debug mode (on with assertions) appends " @coroutine#n".
			calls.add(Call(name, time.elapsed(), Thread.currentThread().name.substringBefore(" @coroutine")))
			// Suspends for real, as a function calling a client would.
			yield()
			return name
		}

	}

}
