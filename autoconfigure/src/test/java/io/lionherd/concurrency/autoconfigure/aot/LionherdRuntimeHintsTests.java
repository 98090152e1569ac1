package io.lionherd.concurrency.autoconfigure.aot;

import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyProperties;
import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LionherdRuntimeHints}: what every application using lionherd-concurrency reads
 * by reflection or as a resource.
 */
class LionherdRuntimeHintsTests {

	private final RuntimeHints hints = registered();

	@Test
	void isRegisteredInAotFactories() {
		assertThat(AotServices.factories().load(RuntimeHintsRegistrar.class))
			.anyMatch(LionherdRuntimeHints.class::isInstance);
	}

	@Test
	void theRedisLimitersScriptIsAResource() {
		assertThat(RuntimeHintsPredicates.resource()
			.forResource("io/lionherd/concurrency/ratelimit/redis/sliding-window.lua")).accepts(this.hints);
	}

	@Test
	void theRedisConcurrencyLimitsScriptsAreResources() {
		for (String script : new String[] { "acquire.lua", "release.lua", "renew.lua" }) {
			String path = "io/lionherd/concurrency/capacity/redis/" + script;
			assertThat(RuntimeHintsPredicates.resource().forResource(path)).accepts(this.hints);
			assertThat(new ClassPathResource(path).exists()).isTrue();
		}
	}

	@Test
	void theScriptHintNamesTheScriptTheRedisModuleShips() {
		assertThat(new ClassPathResource(LionherdRuntimeHints.SLIDING_WINDOW_SCRIPT).exists()).isTrue();
	}

	@Test
	void thePropertyClassesCanBeBound() {
		assertThat(RuntimeHintsPredicates.reflection().onType(LionherdConcurrencyProperties.class)).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection()
			.onMethodInvocation(LionherdConcurrencyProperties.RateLimiterProperties.class, "setMaxCalls"))
			.accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection()
			.onMethodInvocation(LionherdConcurrencyProperties.RetryProperties.class, "setRetryOn")).accepts(this.hints);
	}

	@Test
	void theLimitsOfALimiterCanBeBound() {
		assertThat(RuntimeHintsPredicates.reflection()
			.onMethodInvocation(LionherdConcurrencyProperties.LimitProperties.class, "setMax")).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection()
			.onMethodInvocation(LionherdConcurrencyProperties.LimitProperties.class, "setCounts")).accepts(this.hints);
	}

	@Test
	void typesLookedUpByNameCanBeFound() {
		assertThat(RuntimeHintsPredicates.reflection()
			.onType(TypeReference.of("io.micrometer.context.ContextSnapshotFactory"))).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(TypeReference.of("org.reactivestreams.Publisher")))
			.accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(TypeReference.of("java.util.concurrent.Flow$Publisher")))
			.accepts(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(TypeReference.of("reactor.core.publisher.Mono")))
			.accepts(this.hints);
	}

	@Test
	void typesNotOnTheClassPathAreLeftOut() {
		assertThat(RuntimeHintsPredicates.reflection().onType(TypeReference.of("kotlinx.coroutines.flow.Flow")))
			.rejects(this.hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(TypeReference.of("kotlinx.coroutines.reactor.MonoKt")))
			.rejects(this.hints);
	}

	private static RuntimeHints registered() {
		// every registrar of aot.factories, as the AOT engine applies them
		RuntimeHints hints = new RuntimeHints();
		AotServices.factories()
			.load(RuntimeHintsRegistrar.class)
			.forEach((registrar) -> registrar.registerHints(hints, LionherdRuntimeHintsTests.class.getClassLoader()));
		return hints;
	}

}
