package io.lionherd.sample;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.lionherd.concurrency.InternalPackageRule;
import org.junit.jupiter.api.Test;

/**
 * The sample is a user's application: it uses the library's API, never
 * {@code io.lionherd.concurrency.internal}.
 */
class InternalPackageTests {

	@Test
	void sampleDoesNotUseTheLibrarysInternalPackage() {
		InternalPackageRule.onlyTheCoreAndRedisUseInternal()
			.check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
				.importPackages("io.lionherd.sample"));
	}

}
