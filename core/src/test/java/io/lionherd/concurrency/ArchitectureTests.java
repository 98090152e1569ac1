package io.lionherd.concurrency;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.EvaluationResult;
import io.lionherd.concurrency.internal.Checks;
import io.lionherd.example.UsesInternal;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layering of the core: plain Java, Micrometer optional and confined to
 * {@code io.lionherd.concurrency.micrometer}, which reads the other packages and is never
 * read by them; {@code internal} is for the core and the Redis backend alone.
 */
class ArchitectureTests {

	private final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("io.lionherd.concurrency");

	@Test
	void aUsersClassUsingInternalIsFlagged() {
		EvaluationResult result = InternalPackageRule.onlyTheCoreAndRedisUseInternal()
			.evaluate(new ClassFileImporter().importClasses(UsesInternal.class));
		assertThat(result.hasViolation()).isTrue();
		assertThat(result.getFailureReport().getDetails()).singleElement()
			.asString()
			.contains(UsesInternal.class.getName())
			.contains(Checks.class.getName());
	}

	@Test
	void coreDoesNotDependOnSpring() {
		noClasses().should().dependOnClassesThat().resideInAPackage("org.springframework..").check(this.classes);
	}

	@Test
	void onlyTheMicrometerPackageTouchesMicrometerMeters() {
		noClasses().that()
			.resideOutsideOfPackage("io.lionherd.concurrency.micrometer..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("io.micrometer.core..")
			.because("micrometer-core is optional: only the binders may load it")
			.check(this.classes);
	}

	@Test
	void nothingButTheReactorOperatorsDependsOnTheMicrometerPackage() {
		noClasses().that()
			.resideOutsideOfPackages("io.lionherd.concurrency.micrometer..", "io.lionherd.concurrency.reactor..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("io.lionherd.concurrency.micrometer..")
			.because("binders read public state; the library does not push metrics (MonitorOperator.of(name, "
					+ "ObservationRegistry) observes as the micrometer package does)")
			.check(this.classes);
	}

	@Test
	void rateLimitersDoNotDependOnAsyncUtils() {
		noClasses().that()
			.resideInAPackage("io.lionherd.concurrency.ratelimit..")
			.should()
			.dependOnClassesThat()
			.haveFullyQualifiedName(AsyncUtils.class.getName())
			.because("a limiter needs only a Ticker, a DelayScheduler and an executor")
			.check(this.classes);
	}

	@Test
	void annotationTypesDependOnNothingButTheJdk() {
		noClasses().that()
			.resideInAPackage("io.lionherd.concurrency.annotation..")
			.should()
			.dependOnClassesThat()
			.resideOutsideOfPackages("java..", "io.lionherd.concurrency.annotation..", "org.jspecify..")
			.allowEmptyShould(true)
			.check(this.classes);
	}

}
