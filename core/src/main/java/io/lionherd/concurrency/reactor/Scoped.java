package io.lionherd.concurrency.reactor;

import io.lionherd.concurrency.internal.WorkScope;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;

/**
 * Subscribes upstream with a deadline scope current, so that what the subscription starts
 * through the library (a limiter's acquire, {@code runSync}...) is work of that scope
 * wherever the subscription happens (a retry's resubscription runs on Reactor's timer).
 */
final class Scoped {

	private Scoped() {
	}

	static <T> Mono<T> mono(Mono<T> source, @Nullable WorkScope scope) {
		return (scope != null) ? new ScopedMono<>(source, scope) : source;
	}

	static <T> Flux<T> flux(Flux<T> source, @Nullable WorkScope scope) {
		return (scope != null) ? new ScopedFlux<>(source, scope) : source;
	}

	private static final class ScopedMono<T> extends MonoOperator<T, T> {

		private final WorkScope scope;

		ScopedMono(Mono<? extends T> source, WorkScope scope) {
			super(source);
			this.scope = scope;
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			this.scope.run(() -> this.source.subscribe(actual));
		}

	}

	private static final class ScopedFlux<T> extends FluxOperator<T, T> {

		private final WorkScope scope;

		ScopedFlux(Flux<? extends T> source, WorkScope scope) {
			super(source);
			this.scope = scope;
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			this.scope.run(() -> this.source.subscribe(actual));
		}

	}

}
