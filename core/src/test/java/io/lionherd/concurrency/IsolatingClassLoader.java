package io.lionherd.concurrency;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Defines its own copy of the named classes from the bytes of their compiled class files,
 * without asking its parent first; every other class comes from the parent. A copy is
 * therefore a different class from the original, and goes away with this loader.
 */
public final class IsolatingClassLoader extends ClassLoader {

	private final Set<String> isolated;

	public IsolatingClassLoader(ClassLoader parent, String... isolatedClassNames) {
		super(parent);
		this.isolated = Set.of(isolatedClassNames);
	}

	@Override
	protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
		if (!this.isolated.contains(name)) {
			return super.loadClass(name, resolve);
		}
		synchronized (getClassLoadingLock(name)) {
			Class<?> loaded = findLoadedClass(name);
			if (loaded == null) {
				byte[] bytes = readClassBytes(name);
				loaded = defineClass(name, bytes, 0, bytes.length);
			}
			if (resolve) {
				resolveClass(loaded);
			}
			return loaded;
		}
	}

	private byte[] readClassBytes(String name) throws ClassNotFoundException {
		String resource = name.replace('.', '/') + ".class";
		try (InputStream in = getParent().getResourceAsStream(resource)) {
			if (in == null) {
				throw new ClassNotFoundException(name);
			}
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
