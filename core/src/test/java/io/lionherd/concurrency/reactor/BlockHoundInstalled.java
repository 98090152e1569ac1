package io.lionherd.concurrency.reactor;

import java.time.Duration;

import io.lionherd.concurrency.MonitorRecorder;
import io.lionherd.concurrency.RetryPolicy;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.blockhound.BlockHound;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Installs BlockHound, once per JVM, with the integrations found on the class path
 * (Reactor's, which marks {@code Schedulers.parallel()} threads non-blocking, and the
 * core's own): a blocking call on such a thread then throws
 * {@code BlockingOperationError}. It stays installed for the rest of the test JVM; it
 * checks only threads marked non-blocking, which the other tests do not run on.
 */
final class BlockHoundInstalled implements BeforeAllCallback {

	@Override
	public void beforeAll(ExtensionContext context) {
		Installer.INSTALLED.hashCode();
	}

	/** Lazy holder: the class initializer runs once per JVM. */
	private static final class Installer {

		static final Object INSTALLED = install();

		private static Object install() {
			warmUp();
			BlockHound.install();
			return Boolean.TRUE;
		}

		/**
		 * Loads and initializes, on this ordinary thread, the classes the tests first use
		 * on non-blocking ones: reading a class file from a jar is blocking I/O, which
		 * BlockHound would report in the class initializer that happens to run first.
		 */
		private static void warmUp() {
			RateLimiter limiter = RateLimiter.slidingWindow(1, Duration.ofMinutes(1));
			Mono.just("warm")
				.transformDeferred(RateLimiterOperator.of(limiter))
				.transformDeferred(RetryOperator.of(RetryPolicy.defaults()))
				.transformDeferred(MonitorOperator.of("warm", MonitorRecorder.none()))
				.subscribeOn(Schedulers.parallel())
				.block(Duration.ofSeconds(10));
			Mono.just("waiting").transformDeferred(RateLimiterOperator.of(limiter)).subscribe().dispose();
			Flux.range(0, 2).flatMap(Mono::just).delayElements(Duration.ofMillis(1)).blockLast(Duration.ofSeconds(10));
		}

	}

}
