package io.lionherd.concurrency.autoconfigure;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.lionherd.concurrency.InternalPackageRule;
import org.junit.jupiter.api.Test;

/**
 * The auto-configuration uses the core's API only, as a user's code would: never
 * {@code io.lionherd.concurrency.internal}.
 */
class InternalPackageTests {

	@Test
	void autoConfigurationDoesNotUseTheCoresInternalPackage() {
		InternalPackageRule.onlyTheCoreAndRedisUseInternal()
			.check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
				.importPackages("io.lionherd.concurrency.autoconfigure"));
	}

}
