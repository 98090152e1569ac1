package io.lionherd.concurrency.autoconfigure.aot;

import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.javapoet.ClassName;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LionherdRetryExceptionsAotProcessor}: the exception classes the build-time
 * configuration's retry policies name can be loaded by name in a native image.
 */
class LionherdRetryExceptionsAotProcessorTests {

	@Test
	void theClassesAPolicyRetriesOrExcludesAreRegistered() {
		RuntimeHints hints = processAheadOfTime(
				"lionherd.concurrency.retries.quote.retry-on=java.io.UncheckedIOException",
				"lionherd.concurrency.retries.quote.exclude[0]=java.io.FileNotFoundException",
				"lionherd.concurrency.retries.other.retry-on= java.util.concurrent.TimeoutException ");

		assertThat(RuntimeHintsPredicates.reflection().onType(UncheckedIOException.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(FileNotFoundException.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(TimeoutException.class)).accepts(hints);
	}

	@Test
	void aClassNotOnTheClassPathIsLeftForStartupToReport() {
		RuntimeHints hints = processAheadOfTime(
				"lionherd.concurrency.retries.quote.retry-on=com.example.NoSuchException");

		assertThat(hints.reflection().typeHints())
			.noneMatch((hint) -> hint.getType().getName().equals("com.example.NoSuchException"));
	}

	private static RuntimeHints processAheadOfTime(String... properties) {
		try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			TestPropertyValues.of(properties).applyTo(context);
			DefaultGenerationContext generationContext = new DefaultGenerationContext(
					new ClassNameGenerator(ClassName.get("com.example", "AotTest")), new InMemoryGeneratedFiles());
			new ApplicationContextAotGenerator().processAheadOfTime(context, generationContext);
			return generationContext.getRuntimeHints();
		}
	}

}
