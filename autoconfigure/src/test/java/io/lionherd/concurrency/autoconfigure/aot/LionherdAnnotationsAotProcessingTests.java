package io.lionherd.concurrency.autoconfigure.aot;

import java.util.concurrent.CompletableFuture;

import io.lionherd.concurrency.annotation.ConcurrencyLimited;
import io.lionherd.concurrency.annotation.Monitored;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;
import io.lionherd.concurrency.autoconfigure.LionherdAnnotationsAutoConfiguration;
import io.lionherd.concurrency.autoconfigure.LionherdEndpoint;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.GeneratedFiles.Kind;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.javapoet.ClassName;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application with annotated beans processed ahead of time, as
 * {@code spring-boot:process-aot} does: its proxies are generated at build time and every
 * annotated method, its annotations and lionherd's own resources get their hints, through
 * {@code aot.factories} alone.
 */
class LionherdAnnotationsAotProcessingTests {

	private static final InMemoryGeneratedFiles generatedFiles = new InMemoryGeneratedFiles();

	private static RuntimeHints hints;

	/**
	 * Once for all tests: a proxy class is generated only the first time (then the class
	 * loader has it).
	 */
	@BeforeAll
	static void processAheadOfTime() {
		try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			context.register(LionherdAnnotationsAutoConfiguration.class);
			context.registerBean("limited", LimitedService.class);
			context.registerBean("monitored", MonitoredService.class);
			context.registerBean("plain", PlainService.class);
			context.registerBean("bounded", BoundedService.class);
			context.registerBean("boundedClass", BoundedClass.class);
			context.register(EndpointConfiguration.class);
			DefaultGenerationContext generationContext = new DefaultGenerationContext(
					new ClassNameGenerator(ClassName.get("com.example", "AotTest")), generatedFiles);
			new ApplicationContextAotGenerator().processAheadOfTime(context, generationContext);
			generationContext.writeGeneratedContent();
			hints = generationContext.getRuntimeHints();
		}
	}

	@Test
	void annotatedMethodsCanBeInvokedByReflection() {
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(LimitedService.class, "call")).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(LimitedService.class, "retried"))
			.accepts(hints);
	}

	@Test
	void theMethodsOfAnAnnotatedClassCanBeInvokedByReflection() {
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(MonitoredService.class, "work"))
			.accepts(hints);
	}

	@Test
	void theArgumentsAPermitsExpressionReadsCanBeReadByReflection() {
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(CompletionRequest.class, "maxTokens"))
			.accepts(hints);
	}

	@Test
	void theArgumentsAKeyExpressionReadsCanBeReadByReflection() {
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(User.class, "id")).accepts(hints);
	}

	@Test
	void theArgumentsOfAMethodWithoutPermitsExpressionGetNoHint() {
		assertThat(RuntimeHintsPredicates.reflection().onType(UnreadArgument.class)).rejects(hints);
	}

	@Test
	void concurrencyLimitedMethodsAndTheMethodsOfAConcurrencyLimitedClassCanBeInvokedByReflection() {
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(BoundedService.class, "call")).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(BoundedClass.class, "work")).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(ConcurrencyLimited.class, "timeout"))
			.accepts(hints);
	}

	@Test
	void bothAnswersOfTheEndpointsOperationByNameCanBeSerialized() {
		assertThat(RuntimeHintsPredicates.reflection()
			.onMethodInvocation(LionherdEndpoint.RateLimiterDescriptor.class, "availablePermits")).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection()
			.onMethodInvocation(LionherdEndpoint.CapacityLimiterDescriptor.class, "inUse")).accepts(hints);
	}

	@Test
	void beansWithoutTheAnnotationsGetNoHint() {
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(PlainService.class, "work")).rejects(hints);
	}

	@Test
	void theAnnotationsCanBeRead() {
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(RateLimited.class, "timeout")).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Retry.class, "value")).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(Monitored.class)).accepts(hints);
	}

	@Test
	void theRuntimeHintsRegistrarIsApplied() {
		assertThat(RuntimeHintsPredicates.resource().forResource(LionherdRuntimeHints.SLIDING_WINDOW_SCRIPT))
			.accepts(hints);
	}

	@Test
	void theProxyClassesAreGeneratedAtBuildTime() {
		assertThat(generatedFiles.getGeneratedFiles(Kind.CLASS).keySet())
			.anyMatch((path) -> path.startsWith(LimitedService.class.getName().replace('.', '/') + "$$SpringCGLIB$$"))
			.anyMatch((path) -> path.startsWith(MonitoredService.class.getName().replace('.', '/') + "$$SpringCGLIB$$"))
			.noneMatch((path) -> path.startsWith(PlainService.class.getName().replace('.', '/') + "$$SpringCGLIB$$"));
	}

	public static class LimitedService {

		@RateLimited("sample")
		public CompletableFuture<String> call() {
			return CompletableFuture.completedFuture("called");
		}

		@Retry("quote")
		public String retried() {
			return "retried";
		}

		@RateLimited(value = "sample", permits = "#request.maxTokens")
		public String complete(CompletionRequest request) {
			return request.prompt();
		}

		@RateLimited(value = "sample", key = "#user.id")
		public String perUser(User user) {
			return user.id();
		}

		@RateLimited("sample")
		public String once(UnreadArgument argument) {
			return "once";
		}

		public String notLimited() {
			return "not limited";
		}

	}

	public record CompletionRequest(String prompt, int maxTokens) {
	}

	public record User(String id) {
	}

	public record UnreadArgument(String value) {
	}

	@Monitored("work")
	public static class MonitoredService {

		public String work() {
			return "worked";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class EndpointConfiguration {

		@Bean
		LionherdEndpoint lionherdEndpoint() {
			return new LionherdEndpoint(new RateLimiterRegistry());
		}

	}

	public static class BoundedService {

		@ConcurrencyLimited("bounded")
		public CompletableFuture<String> call() {
			return CompletableFuture.completedFuture("called");
		}

	}

	@ConcurrencyLimited("bounded")
	public static class BoundedClass {

		public String work() {
			return "worked";
		}

	}

	public static class PlainService {

		public String work() {
			return "worked";
		}

	}

}
