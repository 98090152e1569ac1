package io.lionherd.concurrency.benchmarks;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.ratelimiter.annotation.RateLimiter;
import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.annotation.Monitored;
import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The cost of the annotations on a blocking call that is always granted: the same trivial
 * method behind lionherd's {@code @RateLimited} (and {@code @RateLimited} +
 * {@code @Monitored}) proxy, behind Resilience4j's {@code @RateLimiter} aspect
 * (resilience4j-spring-boot4, Spring AOP with AspectJ annotations), and called through
 * each library's programmatic API. Both limiters grant 1 000 000 permits per 1 ms, do not
 * wait, and fail the call when refused. Goal: our proxy costs no more than
 * Resilience4j's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AnnotationsBenchmark {

	private ConfigurableApplicationContext context;

	private LionherdService lionherd;

	private Resilience4jService resilience4j;

	private Target target;

	private io.lionherd.concurrency.ratelimit.RateLimiter limiter;

	private AsyncUtils asyncUtils;

	private io.github.resilience4j.ratelimiter.RateLimiter resilience4jLimiter;

	private int argument = 41;

	@Setup
	public void setUp() throws Exception {
		this.context = new SpringApplicationBuilder(BenchmarkApplication.class).web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.properties("spring.main.banner-mode=off", "logging.level.root=warn",
					"lionherd.concurrency.rate-limiters.bench.max-calls=1000000",
					"lionherd.concurrency.rate-limiters.bench.period=1ms",
					"lionherd.concurrency.rate-limiters.bench.timeout=0s",
					"resilience4j.ratelimiter.instances.bench.limit-for-period=1000000",
					"resilience4j.ratelimiter.instances.bench.limit-refresh-period=1ms",
					"resilience4j.ratelimiter.instances.bench.timeout-duration=0s")
			.run();
		this.lionherd = this.context.getBean(LionherdService.class);
		this.resilience4j = this.context.getBean(Resilience4jService.class);
		this.target = new Target();
		this.limiter = this.context.getBean(RateLimiterRegistry.class).get("bench");
		this.asyncUtils = this.context.getBean(AsyncUtils.class);
		this.resilience4jLimiter = this.context.getBean(io.github.resilience4j.ratelimiter.RateLimiterRegistry.class)
			.rateLimiter("bench");
		if (!AopUtils.isAopProxy(this.lionherd) || !AopUtils.isAopProxy(this.resilience4j)) {
			throw new IllegalStateException("both services must be proxied");
		}
		// no event consumer: one would make Resilience4j publish an event per call
		boolean aspect = Arrays.stream(((Advised) this.resilience4j).getAdvisors())
			.anyMatch((advisor) -> advisor.getAdvice().toString().contains("RateLimiterAspect"));
		if (!aspect) {
			throw new IllegalStateException("Resilience4j's @RateLimiter aspect does not advise the service");
		}
		this.lionherd.rateLimitedAndMonitored(1);
		Timer timer = this.context.getBean(MeterRegistry.class).find("lionherd.monitor").tag("name", "bench").timer();
		if (timer == null || timer.count() != 1) {
			throw new IllegalStateException("@Monitored recorded nothing");
		}
	}

	@TearDown
	public void tearDown() {
		this.context.close();
	}

	@Benchmark
	public int oursRateLimited() {
		return this.lionherd.rateLimited(this.argument);
	}

	@Benchmark
	public int oursRateLimitedMonitored() {
		return this.lionherd.rateLimitedAndMonitored(this.argument);
	}

	@Benchmark
	public int resilience4jRateLimiter() {
		return this.resilience4j.call(this.argument);
	}

	@Benchmark
	public int oursProgrammatic() {
		if (!this.limiter.tryAcquire()) {
			throw new IllegalStateException("refused");
		}
		return this.target.call(this.argument);
	}

	@Benchmark
	public int oursProgrammaticMonitored() throws Exception {
		return this.asyncUtils.monitorBlocking("bench", this::oursProgrammatic).result();
	}

	@Benchmark
	public int resilience4jProgrammatic() {
		if (!this.resilience4jLimiter.acquirePermission()) {
			throw new IllegalStateException("refused");
		}
		return this.target.call(this.argument);
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class BenchmarkApplication {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		LionherdService lionherdService() {
			return new LionherdService();
		}

		@Bean
		Resilience4jService resilience4jService() {
			return new Resilience4jService();
		}

	}

	/** The method every variant calls. */
	static class Target {

		int call(int x) {
			return x + 1;
		}

	}

	public static class LionherdService {

		@RateLimited("bench")
		public int rateLimited(int x) {
			return x + 1;
		}

		@RateLimited("bench")
		@Monitored("bench")
		public int rateLimitedAndMonitored(int x) {
			return x + 1;
		}

	}

	public static class Resilience4jService {

		@RateLimiter(name = "bench")
		public int call(int x) {
			return x + 1;
		}

	}

}
