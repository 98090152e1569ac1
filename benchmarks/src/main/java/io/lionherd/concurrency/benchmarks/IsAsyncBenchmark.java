package io.lionherd.concurrency.benchmarks;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.AsyncCallable;
import io.lionherd.concurrency.AsyncUtils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@code isAsync} on an {@link AsyncCallable} instance (the per-class answer is cached
 * after the first call) against asking reflection each time:
 * {@code Method.getReturnType()} of the functional method, then
 * {@code CompletionStage.class.isAssignableFrom}. Goal: under 10 ns/op (lionherd-core's
 * Python {@code is_coro_func} measured 76 ns).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IsAsyncBenchmark {

	private AsyncUtils asyncUtils;

	/** Typed {@code Object} and non-final, so the JIT cannot fold the check away. */
	private Object callable;

	/** The functional method, looked up once, as a hand-written check would keep it. */
	private Method functionalMethod;

	@Setup
	public void setUp() throws Exception {
		this.asyncUtils = AsyncUtils.builder().executor(Runnable::run).build();
		AsyncCallable<String> task = () -> CompletableFuture.completedFuture("done");
		this.callable = task;
		this.functionalMethod = AsyncCallable.class.getMethod("call");
		if (!this.asyncUtils.isAsync(this.callable) || !reflectiveCheck()) {
			throw new IllegalStateException("both checks must answer true");
		}
	}

	@Benchmark
	public boolean ours() {
		return this.asyncUtils.isAsync(this.callable);
	}

	@Benchmark
	public boolean alternative() {
		return reflectiveCheck();
	}

	/**
	 * Supplementary: no cache at all, finding the functional method from the object's
	 * class on every call (what {@code isAsync} would cost without its
	 * {@code ClassValue}).
	 */
	@Benchmark
	public boolean uncachedLookup() {
		for (Class<?> type : this.callable.getClass().getInterfaces()) {
			for (Method method : type.getMethods()) {
				if (Modifier.isAbstract(method.getModifiers())) {
					return CompletionStage.class.isAssignableFrom(method.getReturnType());
				}
			}
		}
		return false;
	}

	private boolean reflectiveCheck() {
		return CompletionStage.class.isAssignableFrom(this.functionalMethod.getReturnType());
	}

}
