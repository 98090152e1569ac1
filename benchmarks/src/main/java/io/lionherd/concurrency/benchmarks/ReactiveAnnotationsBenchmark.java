package io.lionherd.concurrency.benchmarks;

import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import io.lionherd.concurrency.reactor.RateLimiterOperator;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import reactor.core.publisher.Mono;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The cost of {@code @RateLimited} on a method returning a {@code Mono}: per operation
 * one call of a bean method returning {@code Mono.just(..)} and one subscription to what
 * it returns, taking the value synchronously. Three variants, on the same never-full
 * in-memory limiter (1 000 000 permits per 1 ms, timeout 0): the method annotated
 * {@code @RateLimited}, through the Spring proxy and the interceptor (which applies
 * {@code RateLimiterOperator} lazily, per subscription); the same method unannotated, on
 * a bean that is not proxied; and the unannotated method's {@code Mono} with
 * {@link RateLimiterOperator} applied by hand ({@code transformDeferred}). A teardown
 * fails the run if any subscription was refused or got no value.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ReactiveAnnotationsBenchmark {

	private static final String VALUE = "quote";

	private ConfigurableApplicationContext context;

	private AnnotatedService annotated;

	private PlainService plain;

	private RateLimiterOperator<String> operator;

	private final ReactorOperatorBenchmark.Sink sink = new ReactorOperatorBenchmark.Sink();

	private long missing;

	@Setup
	public void setUp() {
		this.context = new SpringApplicationBuilder(BenchmarkApplication.class).web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.properties("spring.main.banner-mode=off", "logging.level.root=warn",
					"lionherd.concurrency.rate-limiters.bench.max-calls=1000000",
					"lionherd.concurrency.rate-limiters.bench.period=1ms",
					"lionherd.concurrency.rate-limiters.bench.timeout=0s")
			.run();
		this.annotated = this.context.getBean(AnnotatedService.class);
		this.plain = this.context.getBean(PlainService.class);
		RateLimiter limiter = this.context.getBean(RateLimiterRegistry.class).get("bench");
		this.operator = RateLimiterOperator.of(limiter);
		if (!AopUtils.isAopProxy(this.annotated) || AopUtils.isAopProxy(this.plain)) {
			throw new IllegalStateException("only the annotated service must be proxied");
		}
		if (!VALUE.equals(annotatedMono()) || !VALUE.equals(unannotatedMono()) || !VALUE.equals(operatorByHand())) {
			throw new IllegalStateException("a variant did not give the value: " + this.sink.lastError);
		}
	}

	@TearDown
	public void tearDown() {
		this.context.close();
		if (this.sink.errors > 0 || this.missing > 0) {
			throw new IllegalStateException(this.sink.errors + " subscriptions failed (" + this.sink.lastError + "), "
					+ this.missing + " gave no value: this measured refusals, not grants");
		}
	}

	@Benchmark
	public @Nullable Object annotatedMono() {
		return checked(this.sink.run(this.annotated.quote()));
	}

	@Benchmark
	public @Nullable Object unannotatedMono() {
		return checked(this.sink.run(this.plain.quote()));
	}

	@Benchmark
	public @Nullable Object operatorByHand() {
		return checked(this.sink.run(this.plain.quote().transformDeferred(this.operator)));
	}

	private @Nullable Object checked(@Nullable String value) {
		if (value == null) {
			this.missing++;
		}
		return value;
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class BenchmarkApplication {

		@Bean
		AnnotatedService annotatedService() {
			return new AnnotatedService();
		}

		@Bean
		PlainService plainService() {
			return new PlainService();
		}

	}

	public static class AnnotatedService {

		@RateLimited("bench")
		public Mono<String> quote() {
			return Mono.just(VALUE);
		}

	}

	public static class PlainService {

		public Mono<String> quote() {
			return Mono.just(VALUE);
		}

	}

}
