package io.lionherd.concurrency.staging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Maven repository on disk as a deploy writes it: {@code group/artifact/version/}, a
 * SNAPSHOT's files named by the timestamped versions its {@code maven-metadata.xml}
 * lists, as a user's build resolves them.
 */
final class StagedRepository {

	private final Path root;

	private final String groupId;

	private final String version;

	StagedRepository(Path root, String groupId, String version) {
		if (!Files.isDirectory(root)) {
			throw new IllegalArgumentException("No staged repository at " + root
					+ ": deploy first (mvn -B -DskipTests -Dmaven.install.skip=true deploy"
					+ " -DaltDeploymentRepository=staging::file://<folder>)"
					+ " and pass that folder as -Dstaging.repository");
		}
		this.root = root;
		this.groupId = groupId;
		this.version = version;
	}

	/**
	 * The artifacts deployed under the group, at any version.
	 * @return their artifactIds
	 */
	List<String> artifactIds() {
		Path group = this.root.resolve(this.groupId.replace('.', '/'));
		if (!Files.isDirectory(group)) {
			return List.of();
		}
		try (Stream<Path> children = Files.list(group)) {
			return children.filter(Files::isDirectory).map((path) -> path.getFileName().toString()).sorted().toList();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot list " + group, ex);
		}
	}

	/**
	 * The file of one artifact of this version, where a user's build would look for it.
	 * @param artifactId the artifact
	 * @param classifier {@code ""} for the main artifact, else e.g. {@code sources}
	 * @param extension e.g. {@code jar} or {@code pom}
	 * @return its path, which may not exist
	 */
	Path file(String artifactId, String classifier, String extension) {
		Path directory = this.root.resolve(this.groupId.replace('.', '/')).resolve(artifactId).resolve(this.version);
		String fileVersion = this.version.endsWith("-SNAPSHOT")
				? snapshotVersion(directory, artifactId, classifier, extension) : this.version;
		return directory
			.resolve(artifactId + "-" + fileVersion + (classifier.isEmpty() ? "" : "-" + classifier) + "." + extension);
	}

	/**
	 * The files of one artifact of this version, checksums, signatures and metadata left
	 * out.
	 * @param artifactId the artifact
	 * @return their names
	 */
	List<String> files(String artifactId) {
		Path directory = this.root.resolve(this.groupId.replace('.', '/')).resolve(artifactId).resolve(this.version);
		try (Stream<Path> children = Files.list(directory)) {
			return children.map((path) -> path.getFileName().toString())
				.filter((name) -> !name.startsWith("maven-metadata")
						&& !name.matches(".*\\.(md5|sha1|sha256|sha512|asc)$"))
				.sorted()
				.toList();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot list " + directory, ex);
		}
	}

	Xml pom(String artifactId) {
		return Xml.read(file(artifactId, "", "pom"));
	}

	private String snapshotVersion(Path directory, String artifactId, String classifier, String extension) {
		Path metadata = directory.resolve("maven-metadata.xml");
		if (!Files.isRegularFile(metadata)) {
			throw new AssertionError("No " + metadata + ": " + artifactId + " " + this.version + " was not deployed");
		}
		return Xml.read(metadata)
			.all("versioning/snapshotVersions/snapshotVersion")
			.stream()
			.filter((entry) -> entry.text("classifier").equals(classifier) && entry.text("extension").equals(extension))
			.map((entry) -> entry.text("value"))
			.findFirst()
			.orElseThrow(() -> new AssertionError(metadata + " lists no " + artifactId
					+ (classifier.isEmpty() ? "" : " " + classifier) + " " + extension));
	}

}
