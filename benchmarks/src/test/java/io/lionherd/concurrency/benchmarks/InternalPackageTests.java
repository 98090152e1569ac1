package io.lionherd.concurrency.benchmarks;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.lionherd.concurrency.InternalPackageRule;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks measure what a user can call: the library's API, never
 * {@code io.lionherd.concurrency.internal}.
 */
class InternalPackageTests {

	@Test
	void benchmarksDoNotUseTheLibrarysInternalPackage() {
		InternalPackageRule.onlyTheCoreAndRedisUseInternal()
			.check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
				.importPackages("io.lionherd.concurrency.benchmarks"));
	}

}
