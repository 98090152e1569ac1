package io.lionherd.concurrency.kotlin

import io.lionherd.concurrency.annotation.RateLimited
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.springframework.boot.test.context.FilteredClassLoader
import org.springframework.stereotype.Component
import java.util.concurrent.atomic.AtomicInteger

/**
 * Which Kotlin return types the annotations handle: a suspend function returning a `Flow` is
 * limited per collection (Spring AOP hands it over as a `Flux`); a `Flow` returned by a plain
 * function, or a suspend function without kotlinx-coroutines-reactor, stops startup.
 */
class KotlinReturnTypesTests {

	@Test
	fun `a suspend function returning a Flow takes one permit per collection, none when called`() {
		contextRunner().withBean(StreamService::class.java).run { context ->
			val service = context.getBean(StreamService::class.java)
			val limiter = context.rateLimiter("wide")
			val numbers = runBlocking { service.numbers() }
			assertThat(service.invocations).hasValue(0)
			assertThat(limiter.availablePermits()).isEqualTo(10)
			assertThat(runBlocking { numbers.toList() }).containsExactly(1, 2, 3)
			assertThat(limiter.availablePermits()).isEqualTo(9)
			assertThat(runBlocking { numbers.toList() }).containsExactly(1, 2, 3)
			assertThat(limiter.availablePermits()).isEqualTo(8)
			assertThat(service.invocations).hasValue(2)
		}
	}

	@Test
	fun `a Flow returned by a function that does not suspend stops startup`() {
		contextRunner().withBean("flowService", FlowService::class.java).run { context ->
			assertThat(context).hasFailed()
			assertThat(context.startupFailure).rootCause()
				.hasMessageContaining("bean 'flowService'")
				.hasMessageContaining(
					"@RateLimited cannot handle the return type kotlinx.coroutines.flow.Flow<java.lang.Integer>, " +
						"a lazy type",
				)
		}
	}

	@Test
	fun `a suspend function without kotlinx-coroutines-reactor stops startup`() {
		contextRunner().withClassLoader(FilteredClassLoader("kotlinx.coroutines.reactor."))
			.withBean("streamService", StreamService::class.java)
			.run { context ->
				assertThat(context).hasFailed()
				assertThat(context.startupFailure).rootCause()
					.hasMessageContaining("bean 'streamService'")
					.hasMessageContaining(
						"@RateLimited cannot handle the return type java.lang.Object, a Kotlin suspend function " +
							"without Reactor and kotlinx-coroutines-reactor on the class path",
					)
			}
	}

	@Component
	class StreamService {

		val invocations = AtomicInteger()

		@RateLimited("wide")
		suspend fun numbers(): Flow<Int> {
			invocations.incrementAndGet()
			return flow {
				emit(1)
				emit(2)
				emit(3)
			}
		}

	}

	@Component
	class FlowService {

		@RateLimited("wide")
		fun numbers(): Flow<Int> = flow { emit(1) }

	}

}
