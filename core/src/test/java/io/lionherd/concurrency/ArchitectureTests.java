package io.lionherd.concurrency;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The core is plain Java: usable without Spring, and Micrometer stays optional.
 */
class ArchitectureTests {

	/** The registry-facing code: *Metrics and Micrometer* classes and AsyncUtils.Builder, with their nested classes. */
	private static final DescribedPredicate<JavaClass> METRICS_CODE = DescribedPredicate.describe("metrics code",
			(javaClass) -> {
				if (javaClass.isEquivalentTo(AsyncUtils.Builder.class)) {
					return true;
				}
				JavaClass topLevel = javaClass;
				while (topLevel.getEnclosingClass().isPresent()) {
					topLevel = topLevel.getEnclosingClass().get();
				}
				String name = topLevel.getSimpleName();
				return name.endsWith("Metrics") || name.startsWith("Micrometer");
			});

	private final JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("io.lionherd.concurrency");

	@Test
	void coreDoesNotDependOnSpring() {
		noClasses().that()
			.resideInAPackage("io.lionherd.concurrency")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("org.springframework..")
			.check(this.classes);
	}

	@Test
	void coreDoesNotDependOnTheAutoConfiguration() {
		noClasses().that()
			.resideInAPackage("io.lionherd.concurrency")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("io.lionherd.concurrency.autoconfigure..")
			.check(this.classes);
	}

	@Test
	void onlyMetricsClassesTouchMicrometerMeters() {
		noClasses().that()
			.resideInAPackage("io.lionherd.concurrency")
			.and(DescribedPredicate.not(METRICS_CODE))
			.should()
			.dependOnClassesThat()
			.resideInAPackage("io.micrometer.core..")
			.because("micrometer-core is optional: only the metrics classes may load it")
			.check(this.classes);
	}

	@Test
	void asyncUtilsLoadsWithoutMicrometer() {
		noClasses().that()
			.areAssignableTo(AsyncUtils.class)
			.should()
			.dependOnClassesThat()
			.resideInAPackage("io.micrometer..")
			.because("Spring introspects the AsyncUtils bean class, which must work without Micrometer")
			.check(this.classes);
	}

	@Test
	void autoConfigurationsAreFinal() {
		classes().that()
			.haveSimpleNameEndingWith("AutoConfiguration")
			.should()
			.haveModifier(com.tngtech.archunit.core.domain.JavaModifier.FINAL)
			.check(this.classes);
	}

}
