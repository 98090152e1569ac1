package io.lionherd.sample.webflux;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Installs BlockHound, once per JVM, with the integrations {@code BlockHound.install()}
 * finds in {@code META-INF/services} (Reactor's, which makes Reactor Netty's event loops
 * and Reactor's {@code parallel} threads non-blocking, Netty's, and the core's
 * {@code LionherdBlockHoundIntegration}), one allowance for Netty's allocator, and a
 * callback that records every blocking call made on such a thread rather than throwing
 * it, so that a test sees all of them, not only the one that broke a request. Declared
 * before {@code @SpringBootTest}, it runs before the test's application context, and its
 * Netty server, start.
 */
final class BlockHoundInstalled implements BeforeAllCallback {

	private static final Queue<BlockingOperationError> reports = new ConcurrentLinkedQueue<>();

	@Override
	public void beforeAll(ExtensionContext context) {
		Installer.INSTALLED.hashCode();
	}

	/**
	 * @return the blocking calls made on non-blocking threads since BlockHound was
	 * installed, each with the stack that made it
	 */
	static List<BlockingOperationError> reports() {
		return new ArrayList<>(reports);
	}

	/**
	 * @return the class names of the integrations {@code BlockHound.install()} loaded
	 */
	static List<String> integrations() {
		return ServiceLoader.load(BlockHoundIntegration.class)
			.stream()
			.map((provider) -> provider.type().getName())
			.toList();
	}

	/** Lazy holder: the class initializer runs once per JVM. */
	private static final class Installer {

		static final Object INSTALLED = install();

		private static Object install() {
			BlockHound.install((builder) -> builder
				// Netty 4.2's allocator takes a StampedLock while it adds a magazine (a
				// bounded critical section); Netty's own integration (4.2.15) does not
				// allow it yet, as it does for its other allocators (Armeria allows it:
				// line/armeria#6344).
				.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup",
						"tryExpandMagazines")
				.blockingMethodCallback((method) -> reports.add(new BlockingOperationError(method))));
			return Boolean.TRUE;
		}

	}

}
