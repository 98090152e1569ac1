package io.lionherd.concurrency;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Defines its own copy of the named (or matching) classes from the bytes of their
 * compiled class files, without asking its parent first; every other class comes from the
 * parent. A copy is therefore a different class from the original, and goes away with
 * this loader.
 */
public final class IsolatingClassLoader extends ClassLoader {

	private final Predicate<String> isolated;

	public IsolatingClassLoader(ClassLoader parent, String... isolatedClassNames) {
		this(parent, Set.of(isolatedClassNames)::contains);
	}

	public IsolatingClassLoader(ClassLoader parent, Predicate<String> isolated) {
		super(parent);
		this.isolated = isolated;
	}

	@Override
	protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
		if (!this.isolated.test(name)) {
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

	/**
	 * A new instance of the class {@code className} as {@code loader} loads it, by its
	 * public no-argument constructor.
	 */
	public static Object newInstance(ClassLoader loader, String className) {
		try {
			return loader.loadClass(className).getConstructor().newInstance();
		}
		catch (ClassNotFoundException | NoSuchMethodException | InstantiationException | IllegalAccessException
				| InvocationTargetException ex) {
			throw new IllegalStateException("Cannot instantiate " + className + " in " + loader, ex);
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
