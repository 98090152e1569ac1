package io.lionherd.concurrency;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a plain-Java project that depends only on {@code lionherd-concurrency-core} gets
 * on its class path, read from the list the build resolves for this module
 * ({@code maven-dependency-plugin:list}, runtime scope, written before the tests run).
 */
class CoreDependenciesTests {

	private final List<String> dependencies = readDependencies();

	@Test
	void bringsNoSpringArtifact() {
		assertThat(this.dependencies).noneMatch((line) -> line.startsWith("org.springframework"));
	}

	@Test
	void requiresOnlyJSpecifyAndSlf4jMicrometerStaysOptional() {
		assertThat(
				this.dependencies.stream().filter((line) -> !line.contains("(optional)")).map(this::groupAndArtifact))
			.containsExactlyInAnyOrder("org.jspecify:jspecify", "org.slf4j:slf4j-api");
	}

	private String groupAndArtifact(String line) {
		String[] parts = line.split(":");
		return parts[0] + ":" + parts[1];
	}

	private static List<String> readDependencies() {
		Path list = Path.of("target", "runtime-dependencies.txt");
		try {
			return Files.readAllLines(list)
				.stream()
				.map(String::strip)
				.filter((line) -> line.matches("[\\w.-]+:[\\w.-]+:.*"))
				.toList();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Run through Maven: " + list + " is written by maven-dependency-plugin",
					ex);
		}
	}

}
