package io.lionherd.concurrency;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module descriptor: on the module path, {@code io.lionherd.concurrency.internal} is
 * for our Redis module only. Compiles a small module against the core's classes.
 */
class ModuleBoundaryTests {

	private static final String USE_OF_INTERNAL = """
			package %s;

			public class UsesInternal {

				public Object check(Object value) {
					return io.lionherd.concurrency.internal.Checks.notNull(value, "value");
				}

			}
			""";

	private static final String USE_OF_API = """
			package %s;

			public class UsesApi {

				public Object limiters() {
					return new io.lionherd.concurrency.ratelimit.RateLimiterRegistry();
				}

			}
			""";

	@TempDir
	Path sources;

	@Test
	void aUsersModuleCannotReadInternal() throws Exception {
		Result result = compile("com.example.user", USE_OF_INTERNAL.formatted("com.example.user"));
		assertThat(result.succeeded()).as(result.output()).isFalse();
		assertThat(result.output()).contains("package io.lionherd.concurrency.internal is not visible")
			.contains("does not export it to module com.example.user");
	}

	@Test
	void aUsersModuleReadsTheApi() throws Exception {
		Result result = compile("com.example.user", USE_OF_API.formatted("com.example.user"));
		assertThat(result.succeeded()).as(result.output()).isTrue();
	}

	@Test
	void theRedisModuleReadsInternal() throws Exception {
		Result result = compile("io.lionherd.concurrency.redis",
				USE_OF_INTERNAL.formatted("io.lionherd.concurrency.redis.probe"));
		assertThat(result.succeeded()).as(result.output()).isTrue();
	}

	/**
	 * Compiles {@code source} as module {@code module} against the core's classes and its
	 * one required module, with an empty class path (not the test's, which holds the
	 * core's classes too).
	 */
	@Test
	void everyPackageButInternalIsExportedToAll() throws Exception {
		ModuleDescriptor descriptor = ModuleFinder.of(Path.of(location(AsyncUtils.class)))
			.find("io.lionherd.concurrency")
			.orElseThrow()
			.descriptor();
		Set<String> toAll = descriptor.exports()
			.stream()
			.filter((export) -> !export.isQualified())
			.map(ModuleDescriptor.Exports::source)
			.collect(Collectors.toSet());
		Set<String> api = new HashSet<>(descriptor.packages());
		api.remove("io.lionherd.concurrency.internal");
		assertThat(toAll).as("a new package of the core must be exported in module-info.java")
			.containsExactlyInAnyOrderElementsOf(api);
	}

	private Result compile(String module, String source) throws IOException, URISyntaxException {
		String pkg = source.substring("package ".length(), source.indexOf(';'));
		Path root = this.sources.resolve(module);
		Path file = root.resolve(pkg.replace('.', '/'))
			.resolve(source.contains("UsesApi") ? "UsesApi.java" : "UsesInternal.java");
		Files.createDirectories(file.getParent());
		Files.writeString(file, source);
		Path descriptor = root.resolve("module-info.java");
		Files.writeString(descriptor, "module " + module + " { requires io.lionherd.concurrency; }");
		String modulePath = String.join(java.io.File.pathSeparator, location(AsyncUtils.class), location(Logger.class));
		JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
		StringWriter output = new StringWriter();
		boolean succeeded = javac
			.getTask(output, null, null,
					List.of("--module-path", modulePath, "--class-path",
							Files.createDirectories(root.resolve("empty")).toString(), "-d",
							this.sources.resolve("out-" + module).toString()),
					null, javac.getStandardFileManager(null, null, null).getJavaFileObjects(file, descriptor))
			.call();
		return new Result(succeeded, output.toString());
	}

	private static String location(Class<?> type) throws URISyntaxException {
		return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
	}

	private record Result(boolean succeeded, String output) {

	}

}
