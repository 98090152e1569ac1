package io.lionherd.concurrency.autoconfigure;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The starter works in an application without Micrometer. A {@code FilteredClassLoader}
 * cannot show this: the library's own classes still link against Micrometer through the
 * test class path. Here the whole application runs in a class loader built without any
 * Micrometer jar.
 */
class WithoutMicrometerTests {

	@Test
	void starterWorksWithoutMicrometerOnTheClassPath() throws Exception {
		try (URLClassLoader loader = new URLClassLoader(classPathWithoutMicrometer(),
				ClassLoader.getPlatformClassLoader())) {
			assertThatExceptionOfType(ClassNotFoundException.class)
				.isThrownBy(() -> loader.loadClass("io.micrometer.core.instrument.MeterRegistry"));
			ClassLoader previous = Thread.currentThread().getContextClassLoader();
			Thread.currentThread().setContextClassLoader(loader);
			try {
				@SuppressWarnings("unchecked")
				Callable<String> probe = (Callable<String>) loader.loadClass(WithoutMicrometerProbe.class.getName())
					.getConstructor()
					.newInstance();
				assertThat(probe.call()).isEqualTo("42 [a, b]");
			}
			finally {
				Thread.currentThread().setContextClassLoader(previous);
			}
		}
	}

	private static URL[] classPathWithoutMicrometer() throws MalformedURLException {
		// Surefire may start the JVM with a manifest-only
		// jar; it then puts the real path here.
		String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
		List<URL> urls = new ArrayList<>();
		for (String entry : classPath.split(File.pathSeparator)) {
			if (!entry.isBlank() && !entry.contains("micrometer")) {
				urls.add(new File(entry).toURI().toURL());
			}
		}
		return urls.toArray(new URL[0]);
	}

}
