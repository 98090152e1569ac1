package io.lionherd.concurrency.staging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The repository a deploy wrote ({@code -Dstaging.repository}), read as a user's build
 * reads it: what Maven Central would receive. Every published POM is compared with the
 * source POMs, so the check follows the project's identity wherever it is set.
 */
class StagedRepositoryTests {

	private static final String GROUP_ID = "io.lionherd";

	private static final String BOM = "lionherd-concurrency-bom";

	/** Every element of our identity that a child inherits from the root POM. */
	private static final List<String> IDENTITY = List.of("url", "organization/name", "organization/url",
			"licenses/license/name", "licenses/license/url", "developers/developer/name", "scm/url", "scm/connection",
			"scm/developerConnection", "issueManagement/system", "issueManagement/url");

	/**
	 * What a POM that inherits from spring-boot-starter-parent would publish as its own.
	 */
	private static final List<String> SPRING_BOOT_IDENTITY = List.of("spring-boot-starter-parent",
			"spring-boot-dependencies", "spring.io", "spring-projects", "VMware", "lionherd-concurrency-parent");

	private static final String VERSION = System.getProperty("lionherd.version");

	private static final Path SOURCE_ROOT = Path.of(System.getProperty("lionherd.root"));

	private static final StagedRepository repository = new StagedRepository(
			Path.of(System.getProperty("lionherd.staging.repository")), GROUP_ID, VERSION);

	private static final Xml rootPom = Xml.read(SOURCE_ROOT.resolve("pom.xml"));

	private static final Map<String, Path> modulePoms = readModulePoms();

	static List<String> jarArtifacts() {
		return List.of("lionherd-concurrency-core", "lionherd-concurrency-redis",
				"lionherd-concurrency-spring-boot-autoconfigure", "lionherd-concurrency-spring-boot-starter");
	}

	static List<String> publishedArtifacts() {
		return Stream.concat(jarArtifacts().stream(), Stream.of(BOM)).toList();
	}

	@Test
	void publishesTheLibrariesAndTheBomAndNothingElse() {
		assertThat(repository.artifactIds()).containsExactlyInAnyOrderElementsOf(publishedArtifacts());
	}

	@ParameterizedTest
	@MethodSource("jarArtifacts")
	void publishesPomJarSourcesAndJavadocEachWithLicenseAndNotice(String artifactId) {
		assertThat(repository.file(artifactId, "", "pom")).isNotEmptyFile();
		for (String classifier : List.of("", "sources", "javadoc")) {
			Path jar = repository.file(artifactId, classifier, "jar");
			assertThat(jar).isNotEmptyFile();
			assertThat(entries(jar)).as(jar.toString()).contains("META-INF/LICENSE", "META-INF/NOTICE");
		}
	}

	@ParameterizedTest
	@MethodSource("jarArtifacts")
	void jarNamesItsModuleForTheModulePath(String artifactId) throws IOException {
		Path jar = repository.file(artifactId, "", "jar");
		try (ZipFile zip = new ZipFile(jar.toFile())) {
			boolean descriptor = zip.getEntry("module-info.class") != null;
			String manifest = new String(zip.getInputStream(zip.getEntry("META-INF/MANIFEST.MF")).readAllBytes(),
					StandardCharsets.UTF_8);
			assertThat(descriptor || manifest.contains("Automatic-Module-Name: io.lionherd.concurrency"))
				.as(jar + " has a module-info or an Automatic-Module-Name of ours")
				.isTrue();
		}
	}

	@ParameterizedTest
	@MethodSource("jarArtifacts")
	void sourcesJarHoldsEveryMainSourceFileAndJavadocJarDocumentsThem(String artifactId) {
		List<String> sources = mainSources(artifactId);
		assertThat(entries(repository.file(artifactId, "sources", "jar"))).containsAll(sources);
		List<String> javadoc = entries(repository.file(artifactId, "javadoc", "jar"));
		if (sources.isEmpty()) {
			// The starter has no classes: its javadoc jar points at the modules that do.
			assertThat(javadoc).contains("README.md");
		}
		else {
			assertThat(javadoc).contains("index.html");
		}
	}

	@ParameterizedTest
	@MethodSource("publishedArtifacts")
	void pomKeepsTheModulesNameAndDescription(String artifactId) {
		Xml pom = repository.pom(artifactId);
		assertThat(modulePoms).as("the modules of " + SOURCE_ROOT).containsKey(artifactId);
		Xml source = Xml.read(modulePoms.get(artifactId));
		assertThat(pom.text("name")).isNotBlank().isEqualTo(source.text("name"));
		assertThat(pom.text("description")).isNotBlank().isEqualTo(source.text("description"));
	}

	@ParameterizedTest
	@MethodSource("publishedArtifacts")
	void pomNamesOurProjectAndNotSpringBoot(String artifactId) {
		Xml pom = repository.pom(artifactId);
		for (String element : IDENTITY) {
			assertThat(pom.text(element)).as(element).isNotBlank().isEqualTo(rootPom.text(element));
		}
		String text = pomText(artifactId);
		for (String springBoot : SPRING_BOOT_IDENTITY) {
			assertThat(text).as("the published POM").doesNotContain(springBoot);
		}
	}

	@ParameterizedTest
	@MethodSource("publishedArtifacts")
	void pomHasNoParentAndNoUnresolvedProperty(String artifactId) {
		assertThat(repository.pom(artifactId).has("parent")).isFalse();
		assertThat(pomText(artifactId)).doesNotContain("${");
	}

	@ParameterizedTest
	@MethodSource("publishedArtifacts")
	void everyDependencyHasAVersionAndOnlyOursIsASnapshot(String artifactId) {
		Xml pom = repository.pom(artifactId);
		List<Xml> dependencies = Stream
			.concat(pom.all("dependencies/dependency").stream(),
					pom.all("dependencyManagement/dependencies/dependency").stream())
			.toList();
		for (Xml dependency : dependencies) {
			String coordinates = dependency.text("groupId") + ":" + dependency.text("artifactId");
			String version = dependency.text("version");
			assertThat(version).as(coordinates).isNotBlank();
			if (dependency.text("groupId").equals(GROUP_ID)) {
				assertThat(version).as(coordinates).isEqualTo(VERSION);
			}
			else {
				assertThat(version).as(coordinates).doesNotEndWith("-SNAPSHOT");
			}
		}
	}

	@Test
	void bomIsAPomThatManagesExactlyTheLibrariesAtThisVersion() {
		Xml bom = repository.pom(BOM);
		assertThat(bom.text("packaging")).isEqualTo("pom");
		assertThat(repository.files(BOM)).singleElement().asString().endsWith(".pom");
		assertThat(bom.has("dependencies")).isFalse();
		Function<Xml, String> coordinates = (dependency) -> dependency.text("groupId") + ":"
				+ dependency.text("artifactId") + ":" + dependency.text("version") + ":" + dependency.text("scope");
		assertThat(bom.all("dependencyManagement/dependencies/dependency")).map(coordinates)
			.containsExactlyInAnyOrderElementsOf(jarArtifacts().stream()
				.map((artifactId) -> GROUP_ID + ":" + artifactId + ":" + VERSION + ":")
				.toList());
	}

	private static String pomText(String artifactId) {
		try {
			return Files.readString(repository.file(artifactId, "", "pom"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static List<String> entries(Path jar) {
		try (ZipFile zip = new ZipFile(jar.toFile())) {
			return zip.stream().map(ZipEntry::getName).toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot open " + jar, ex);
		}
	}

	/** The module's {@code src/main/java} files, as the sources jar names them. */
	private static List<String> mainSources(String artifactId) {
		Path sources = modulePoms.get(artifactId).resolveSibling("src/main/java");
		if (!Files.isDirectory(sources)) {
			return List.of();
		}
		try (Stream<Path> files = Files.walk(sources)) {
			return files.filter((file) -> file.toString().endsWith(".java"))
				.map((file) -> sources.relativize(file).toString().replace('\\', '/'))
				.toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The pom.xml of each module of the root POM, by artifactId. */
	private static Map<String, Path> readModulePoms() {
		return rootPom.all("modules/module")
			.stream()
			.map((module) -> SOURCE_ROOT.resolve(module.text()).resolve("pom.xml"))
			.collect(Collectors.toMap((pom) -> Xml.read(pom).text("artifactId"), Function.identity()));
	}

}
