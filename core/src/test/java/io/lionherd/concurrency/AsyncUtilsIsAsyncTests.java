package io.lionherd.concurrency;

import java.lang.ref.WeakReference;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import kotlin.coroutines.Continuation;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.framework.ProxyFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Tests for {@link AsyncUtils#isAsync(Object)} and {@link AsyncUtils#isAsync(Method)}:
 * the {@code is_coro_func} recipes of the original notebook and the Java counterparts of
 * its edge cases (partials, wrappers, proxies, caching).
 */
class AsyncUtilsIsAsyncTests {

	private final AsyncUtils asyncUtils = AsyncUtils.builder().executor(Runnable::run).build();

	private final AsyncUtils springAsyncUtils = AsyncUtils.builder()
		.executor(Runnable::run)
		.targetResolver(AopProxyUtils::getSingletonTarget)
		.build();

	// --- the notebook's sync_func / async_func

	@Test
	void asyncCallableLambdaIsAsync() {
		AsyncCallable<String> asyncFunc = () -> CompletableFuture.completedFuture("async");
		assertThat(this.asyncUtils.isAsync(asyncFunc)).isTrue();
	}

	@Test
	void asyncCallableClassIsAsync() {
		assertThat(this.asyncUtils.isAsync(new AsyncGreeter())).isTrue();
	}

	@Test
	void asyncCallableMethodReferenceIsAsync() {
		AsyncCallable<String> asyncFunc = new Calculator()::greetAsync;
		assertThat(this.asyncUtils.isAsync(asyncFunc)).isTrue();
	}

	@Test
	void callableLambdaIsNotAsync() {
		Callable<String> syncFunc = () -> "sync";
		assertThat(this.asyncUtils.isAsync(syncFunc)).isFalse();
	}

	@Test
	void callableReturningCompletableFutureIsNotAsync() {
		// Callable's method returns Object: the lambda's own body does not make it async.
		Callable<CompletableFuture<String>> syncFunc = () -> CompletableFuture.completedFuture("sync");
		assertThat(this.asyncUtils.isAsync(syncFunc)).isFalse();
	}

	@Test
	void runnableLambdaIsNotAsync() {
		Runnable syncFunc = () -> {
		};
		assertThat(this.asyncUtils.isAsync(syncFunc)).isFalse();
	}

	@Test
	void supplierLambdaIsNotAsync() {
		Supplier<String> syncFunc = () -> "sync";
		assertThat(this.asyncUtils.isAsync(syncFunc)).isFalse();
	}

	@Test
	void functionLambdaIsNotAsync() {
		Function<Integer, Integer> syncFunc = (x) -> x + 1;
		assertThat(this.asyncUtils.isAsync(syncFunc)).isFalse();
	}

	@Test
	void nullIsNotAsync() {
		assertThat(this.asyncUtils.isAsync((Object) null)).isFalse();
	}

	@Test
	void plainObjectIsNotAsync() {
		assertThat(this.asyncUtils.isAsync("sync")).isFalse();
	}

	// --- isAsync(Method)

	@Test
	void methodReturningCompletableFutureIsAsync() {
		assertThat(this.asyncUtils.isAsync(signature("completableFuture"))).isTrue();
	}

	@Test
	void methodReturningCompletionStageIsAsync() {
		assertThat(this.asyncUtils.isAsync(signature("completionStage"))).isTrue();
	}

	@Test
	void methodReturningFutureIsAsync() {
		assertThat(this.asyncUtils.isAsync(signature("future"))).isTrue();
	}

	@Test
	void methodReturningFutureTaskIsAsync() {
		assertThat(this.asyncUtils.isAsync(signature("futureTask"))).isTrue();
	}

	@Test
	void methodReturningFlowPublisherIsAsync() {
		assertThat(this.asyncUtils.isAsync(signature("flowPublisher"))).isTrue();
	}

	@Test
	void methodReturningFlowPublisherImplementationIsAsync() {
		assertThat(this.asyncUtils.isAsync(signature("submissionPublisher"))).isTrue();
	}

	@Test
	void methodReturningReactiveStreamsPublisherIsAsync() {
		assertThat(this.asyncUtils.isAsync(signature("reactiveStreamsPublisher"))).isTrue();
	}

	@Test
	void methodReturningReactiveStreamsPublisherSubtypeIsAsync() {
		assertThat(this.asyncUtils.isAsync(signature("reactiveStreamsPublisherSubtype"))).isTrue();
	}

	@Test
	void kotlinSuspendFunctionIsAsync() {
		assertThat(this.asyncUtils.isAsync(signature("suspendFetch"))).isTrue();
	}

	@Test
	void kotlinSuspendFunctionWithoutOtherParametersIsAsync() {
		assertThat(this.asyncUtils.isAsync(signature("suspendNoArgs"))).isTrue();
	}

	@Test
	void methodWithContinuationNotLastIsNotAsync() {
		assertThat(this.asyncUtils.isAsync(signature("continuationFirst"))).isFalse();
	}

	@Test
	void methodReturningStringIsNotAsync() {
		assertThat(this.asyncUtils.isAsync(signature("string"))).isFalse();
	}

	@Test
	void voidMethodIsNotAsync() {
		assertThat(this.asyncUtils.isAsync(signature("nothing"))).isFalse();
	}

	@Test
	void methodReturningObjectIsNotAsync() {
		assertThat(this.asyncUtils.isAsync(signature("object"))).isFalse();
	}

	@Test
	void isAsyncOfObjectDelegatesForAsyncMethod() {
		Object method = signature("completableFuture");
		assertThat(this.asyncUtils.isAsync(method)).isTrue();
	}

	@Test
	void isAsyncOfObjectDelegatesForSyncMethod() {
		Object method = signature("string");
		assertThat(this.asyncUtils.isAsync(method)).isFalse();
	}

	// --- user functional interfaces

	@Test
	void lambdaOfUserFunctionalInterfaceReturningCompletableFutureIsAsync() {
		Fetcher fetcher = () -> CompletableFuture.completedFuture("page");
		assertThat(this.asyncUtils.isAsync(fetcher)).isTrue();
	}

	@Test
	void classImplementingUserAsyncFunctionalInterfaceIsAsync() {
		assertThat(this.asyncUtils.isAsync(new PageFetcher())).isTrue();
	}

	@Test
	void lambdaOfUserFunctionalInterfaceReturningStringIsNotAsync() {
		Namer namer = () -> "name";
		assertThat(this.asyncUtils.isAsync(namer)).isFalse();
	}

	// --- Partial (functools.partial)

	@Test
	void partialOfAsyncMethodIsAsync() {
		Partial partialAsync = Partial.of(new Calculator(), "addAsync", 10, 5);
		assertThat(this.asyncUtils.isAsync(partialAsync)).isTrue();
	}

	@Test
	void partialOfAsyncMethodCompletesWithFifteen() throws Exception {
		Partial partialAsync = Partial.of(new Calculator(), "addAsync", 10, 5);
		Object result = partialAsync.call();
		assertThat(result).isInstanceOf(CompletableFuture.class);
		assertThat((CompletableFuture<?>) result).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(15);
	}

	@Test
	void partialOfSyncMethodIsNotAsync() {
		Partial partialSync = Partial.of(new Calculator(), "add", 10, 5);
		assertThat(this.asyncUtils.isAsync(partialSync)).isFalse();
	}

	@Test
	void partialOfSyncMethodReturnsFifteen() throws Exception {
		assertThat(Partial.of(new Calculator(), "add", 10, 5).call()).isEqualTo(15);
	}

	// --- Delegating wrappers

	@Test
	void delegatingWrappersNestedFiveDeepAroundAsyncAreAsync() {
		Object current = (AsyncCallable<String>) () -> CompletableFuture.completedFuture("deep");
		for (int i = 0; i < 5; i++) {
			Object inner = current;
			current = (Delegating) () -> inner;
		}
		assertThat(this.asyncUtils.isAsync(current)).isTrue();
	}

	@Test
	void delegatingWrappersNestedFiveDeepAroundSyncAreNotAsync() {
		Object current = (Supplier<String>) () -> "deep";
		for (int i = 0; i < 5; i++) {
			Object inner = current;
			current = (Delegating) () -> inner;
		}
		assertThat(this.asyncUtils.isAsync(current)).isFalse();
	}

	@Test
	void delegatingWrappersNestedFiveDeepAroundPartialOfAsyncMethodAreAsync() {
		Object current = Partial.of(new Calculator(), "addAsync", 10, 5);
		for (int i = 0; i < 5; i++) {
			Object inner = current;
			current = (Delegating) () -> inner;
		}
		assertThat(this.asyncUtils.isAsync(current)).isTrue();
	}

	@Test
	void delegatingToNullIsNotAsync() {
		Delegating empty = () -> null;
		assertThat(this.asyncUtils.isAsync(empty)).isFalse();
	}

	@Test
	void selfReferencingDelegatingIsNotAsyncAndTerminates() {
		SelfDelegating self = new SelfDelegating();
		boolean async = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> this.asyncUtils.isAsync(self));
		assertThat(async).isFalse();
	}

	@Test
	void delegatingCycleOfTwoIsNotAsyncAndTerminates() {
		CycleNode first = new CycleNode();
		CycleNode second = new CycleNode();
		first.next = second;
		second.next = first;
		boolean async = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> this.asyncUtils.isAsync(first));
		assertThat(async).isFalse();
	}

	// --- JDK dynamic proxies

	@Test
	void jdkProxyImplementingAsyncCallableIsAsync() {
		Object proxy = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { AsyncCallable.class },
				(self, method, args) -> CompletableFuture.completedFuture("proxied"));
		assertThat(this.asyncUtils.isAsync(proxy)).isTrue();
	}

	@Test
	void jdkSupplierProxyWhoseHandlerDelegatesToAsyncCallableIsAsync() {
		AsyncCallable<String> target = () -> CompletableFuture.completedFuture("target");
		Object proxy = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Supplier.class },
				new DelegatingHandler(target));
		assertThat(proxy).isNotInstanceOf(AsyncCallable.class);
		assertThat(this.asyncUtils.isAsync(proxy)).isTrue();
	}

	@Test
	void jdkSupplierProxyWhoseHandlerDelegatesToSupplierIsNotAsync() {
		Supplier<String> target = () -> "target";
		Object proxy = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Supplier.class },
				new DelegatingHandler(target));
		assertThat(this.asyncUtils.isAsync(proxy)).isFalse();
	}

	@Test
	void jdkSupplierProxyWithPlainHandlerIsNotAsync() {
		Object proxy = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Supplier.class },
				(self, method, args) -> "plain");
		assertThat(this.asyncUtils.isAsync(proxy)).isFalse();
	}

	// --- Spring AOP proxies

	@Test
	void springJdkProxyExposingOnlySupplierOfAsyncTargetIsAsync() {
		ProxyFactory factory = new ProxyFactory(new AsyncSupplier());
		factory.setInterfaces(Supplier.class);
		Object proxy = factory.getProxy();
		assertThat(Proxy.isProxyClass(proxy.getClass())).isTrue();
		assertThat(proxy).isNotInstanceOf(AsyncCallable.class);
		assertThat(this.springAsyncUtils.isAsync(proxy)).isTrue();
	}

	@Test
	void springJdkProxyExposingOnlySupplierOfSyncTargetIsNotAsync() {
		ProxyFactory factory = new ProxyFactory(new SyncSupplier());
		factory.setInterfaces(Supplier.class);
		assertThat(this.springAsyncUtils.isAsync(factory.getProxy())).isFalse();
	}

	@Test
	void springCglibClassProxyOfAsyncCallableClassIsAsync() {
		ProxyFactory factory = new ProxyFactory(new AsyncGreeter());
		factory.setProxyTargetClass(true);
		Object proxy = factory.getProxy();
		assertThat(Proxy.isProxyClass(proxy.getClass())).isFalse();
		assertThat(proxy.getClass()).isNotEqualTo(AsyncGreeter.class);
		assertThat(this.springAsyncUtils.isAsync(proxy)).isTrue();
	}

	@Test
	void springCglibClassProxyOfSyncClassIsNotAsync() {
		ProxyFactory factory = new ProxyFactory(new SyncSupplier());
		factory.setProxyTargetClass(true);
		assertThat(this.springAsyncUtils.isAsync(factory.getProxy())).isFalse();
	}

	// --- caching

	@Test
	void repeatedChecksGiveTheSameAnswer() {
		AsyncCallable<String> asyncFunc = () -> CompletableFuture.completedFuture("async");
		Supplier<String> syncFunc = () -> "sync";
		for (int i = 0; i < 10_000; i++) {
			if (!this.asyncUtils.isAsync(asyncFunc) || this.asyncUtils.isAsync(syncFunc)) {
				throw new AssertionError("wrong answer at check " + i);
			}
		}
	}

	@Test
	void classFromThrowawayLoaderIsAsyncAndDoesNotPinItsLoader() {
		WeakReference<ClassLoader> loader = checkProbeInThrowawayLoader();
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
			System.gc();
			return loader.get() == null;
		});
	}

	/**
	 * Everything strong stays in this frame, so the caller holds only the weak reference.
	 */
	private WeakReference<ClassLoader> checkProbeInThrowawayLoader() {
		ClassLoader loader = new IsolatingClassLoader(getClass().getClassLoader(), IsAsyncLeakProbe.class.getName());
		Object probe = newInstance(loader, IsAsyncLeakProbe.class.getName());
		assertThat(probe.getClass()).isNotSameAs(IsAsyncLeakProbe.class);
		assertThat(probe.getClass().getClassLoader()).isSameAs(loader);
		assertThat(this.asyncUtils.isAsync(probe)).isTrue();
		assertThat(this.springAsyncUtils.isAsync(probe)).isTrue();
		return new WeakReference<>(loader);
	}

	// --- contention

	@Test
	void concurrentChecksOverManyClassesGiveTheRightAnswers() throws Exception {
		ClassLoader fresh = new IsolatingClassLoader(getClass().getClassLoader(), IsAsyncLeakProbe.class.getName(),
				IsAsyncSyncProbe.class.getName());
		// A list, not a map: a proxy's hashCode goes to its handler.
		List<Map.Entry<Object, Boolean>> entries = new ArrayList<>();
		add(entries, newInstance(fresh, IsAsyncLeakProbe.class.getName()), true);
		add(entries, newInstance(fresh, IsAsyncSyncProbe.class.getName()), false);
		add(entries, (AsyncCallable<String>) () -> CompletableFuture.completedFuture("a"), true);
		add(entries, new AsyncGreeter(), true);
		add(entries, new AsyncSupplier(), true);
		add(entries, (Fetcher) () -> CompletableFuture.completedFuture("f"), true);
		add(entries, new PageFetcher(), true);
		add(entries, Partial.of(new Calculator(), "addAsync", 10, 5), true);
		add(entries, Partial.of(new Calculator(), "add", 10, 5), false);
		add(entries, (Delegating) () -> new AsyncGreeter(), true);
		add(entries, (Delegating) () -> new SyncSupplier(), false);
		add(entries, signature("completionStage"), true);
		add(entries, signature("string"), false);
		add(entries, Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Supplier.class },
				new DelegatingHandler(new AsyncGreeter())), true);
		add(entries, (Callable<String>) () -> "c", false);
		add(entries, (Runnable) () -> {
		}, false);
		add(entries, (Supplier<String>) () -> "s", false);
		add(entries, (Function<String, String>) (s) -> s, false);
		add(entries, new SyncSupplier(), false);
		add(entries, (Namer) () -> "n", false);
		add(entries, new SelfDelegating(), false);
		assertThat(entries).hasSizeGreaterThanOrEqualTo(20);

		int threads = 8;
		int callsPerThread = 10_000;
		CyclicBarrier start = new CyclicBarrier(threads);
		ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
		AsyncUtils shared = AsyncUtils.builder().executor(Runnable::run).build();
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				int offset = t * 7;
				workers.add(pool.submit(() -> {
					start.await(30, TimeUnit.SECONDS);
					for (int i = 0; i < callsPerThread; i++) {
						Map.Entry<Object, Boolean> entry = entries.get((i + offset) % entries.size());
						if (shared.isAsync(entry.getKey()) != entry.getValue()) {
							wrong.add(entry.getKey() + " expected " + entry.getValue());
						}
					}
					return null;
				}));
			}
			for (Future<?> worker : workers) {
				assertThatNoException().isThrownBy(() -> worker.get(60, TimeUnit.SECONDS));
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(wrong).isEmpty();
	}

	// --- helpers

	private static void add(List<Map.Entry<Object, Boolean>> entries, Object candidate, boolean async) {
		entries.add(new java.util.AbstractMap.SimpleImmutableEntry<>(candidate, async));
	}

	private static Object newInstance(ClassLoader loader, String className) {
		try {
			return Class.forName(className, true, loader).getDeclaredConstructor().newInstance();
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Method signature(String name) {
		for (Method method : Signatures.class.getDeclaredMethods()) {
			if (method.getName().equals(name)) {
				return method;
			}
		}
		throw new IllegalArgumentException("No method " + name);
	}

	/** Method signatures to classify; never called. */
	interface Signatures {

		CompletableFuture<String> completableFuture();

		CompletionStage<String> completionStage();

		Future<String> future();

		FutureTask<String> futureTask();

		Flow.Publisher<String> flowPublisher();

		SubmissionPublisher<String> submissionPublisher();

		org.reactivestreams.Publisher<String> reactiveStreamsPublisher();

		NamedPublisher reactiveStreamsPublisherSubtype();

		Object suspendFetch(String id, Continuation<? super String> continuation);

		Object suspendNoArgs(Continuation<? super String> continuation);

		Object continuationFirst(Continuation<? super String> continuation, String id);

		String string();

		void nothing();

		Object object();

	}

	interface NamedPublisher extends org.reactivestreams.Publisher<String> {

	}

	@FunctionalInterface
	interface Fetcher {

		CompletableFuture<String> fetch();

	}

	@FunctionalInterface
	interface Namer {

		String name();

	}

	static class PageFetcher implements Fetcher {

		@Override
		public CompletableFuture<String> fetch() {
			return CompletableFuture.completedFuture("page");
		}

	}

	/** The notebook's {@code async_with_args} and a sync counterpart. */
	public static class Calculator {

		public CompletableFuture<Integer> addAsync(Integer x, Integer y) {
			return CompletableFuture.supplyAsync(() -> x + y);
		}

		public Integer add(Integer x, Integer y) {
			return x + y;
		}

		public CompletableFuture<String> greetAsync() {
			return CompletableFuture.completedFuture("hi");
		}

	}

	public static class AsyncGreeter implements AsyncCallable<String> {

		@Override
		public CompletionStage<String> call() {
			return CompletableFuture.completedFuture("hello");
		}

	}

	/**
	 * Implements both; a Spring JDK proxy exposing only {@link Supplier} hides the async
	 * side.
	 */
	public static class AsyncSupplier implements Supplier<String>, AsyncCallable<String> {

		@Override
		public String get() {
			return "sync";
		}

		@Override
		public CompletionStage<String> call() {
			return CompletableFuture.completedFuture("async");
		}

	}

	public static class SyncSupplier implements Supplier<String> {

		@Override
		public String get() {
			return "sync";
		}

	}

	static final class SelfDelegating implements Delegating {

		@Override
		public Object delegate() {
			return this;
		}

	}

	static final class CycleNode implements Delegating {

		Object next;

		@Override
		public Object delegate() {
			return this.next;
		}

	}

	static final class DelegatingHandler implements InvocationHandler, Delegating {

		private final Object target;

		DelegatingHandler(Object target) {
			this.target = target;
		}

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) {
			return "handled";
		}

		@Override
		public Object delegate() {
			return this.target;
		}

	}

	interface ProxiedFetcher {

		CompletableFuture<String> fetch();

	}

	@Test
	void jdkProxyOfAnAsyncFunctionalInterfaceIsAsync() {
		Object proxy = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { ProxiedFetcher.class },
				(self, method, args) -> CompletableFuture.completedFuture("fetched"));
		assertThat(this.asyncUtils.isAsync(proxy)).isTrue();
	}

	@Test
	void jdkProxyWithAPlainHandlerIsJudgedByItsInterfacesNotByTheHandler() {
		Object proxy = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Supplier.class },
				new AsyncCallableHandler());
		assertThat(this.asyncUtils.isAsync(proxy)).isFalse();
	}

	/** A handler that happens to be async itself: it is not what the proxy stands for. */
	static final class AsyncCallableHandler implements java.lang.reflect.InvocationHandler, AsyncCallable<String> {

		@Override
		public Object invoke(Object proxy, java.lang.reflect.Method method, Object[] args) {
			return "value";
		}

		@Override
		public CompletableFuture<String> call() {
			return CompletableFuture.completedFuture("value");
		}

	}

}
