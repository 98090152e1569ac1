package io.lionherd.concurrency.benchmarks;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.autoconfigure.web.LionherdHttpProperties;
import io.lionherd.concurrency.autoconfigure.web.RateLimitFilter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

/**
 * The cost of the HTTP rate-limit filter on an allowed request: a MockMvc GET of a
 * trivial endpoint through {@link RateLimitFilter} (a rule with an {@code ip} key, so a
 * keyed limiter per client address, on an in-memory limiter that never refuses) against
 * the same endpoint with no filter. Goal: at most 5 % more than the request without it.
 * {@link #main} runs both in one JVM fork each and prints the ns/op, their errors and the
 * ratio.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HttpFilterBenchmark {

	private MockMvc withFilter;

	private MockMvc withoutFilter;

	@Setup
	public void setUp() {
		RateLimiterRegistry registry = new RateLimiterRegistry();
		registry.rateLimiter("bench", new RateLimiterConfig(RateLimiterConfig.MAX_CALLS, Duration.ofMillis(1), null));
		LionherdHttpProperties properties = new LionherdHttpProperties();
		LionherdHttpProperties.Rule rule = new LionherdHttpProperties.Rule();
		rule.setPath("/hello");
		rule.setLimiter("bench");
		rule.setKey("ip");
		properties.setRules(List.of(rule));
		this.withFilter = MockMvcBuilders.standaloneSetup(new Hello())
			.addFilters(new RateLimitFilter(registry, properties))
			.build();
		this.withoutFilter = MockMvcBuilders.standaloneSetup(new Hello()).build();
	}

	@Benchmark
	public int withFilter() throws Exception {
		return this.withFilter.perform(get("/hello")).andReturn().getResponse().getStatus();
	}

	@Benchmark
	public int withoutFilter() throws Exception {
		return this.withoutFilter.perform(get("/hello")).andReturn().getResponse().getStatus();
	}

	/**
	 * Runs both benchmarks and prints the comparison. System properties as for
	 * {@link BenchmarkRunner}: {@code forks}, {@code warmup.iterations},
	 * {@code warmup.time}, {@code measurement.iterations}, {@code measurement.time}.
	 * @param args ignored
	 * @throws RunnerException if JMH fails
	 */
	public static void main(String[] args) throws RunnerException {
		Collection<RunResult> results = new Runner(
				new OptionsBuilder().include(HttpFilterBenchmark.class.getName() + "\\.")
					.forks(Integer.getInteger("forks", 1))
					.warmupIterations(Integer.getInteger("warmup.iterations", 3))
					.warmupTime(TimeValue.fromString(System.getProperty("warmup.time", "1s")))
					.measurementIterations(Integer.getInteger("measurement.iterations", 5))
					.measurementTime(TimeValue.fromString(System.getProperty("measurement.time", "1s")))
					.build())
			.run();
		Result<?> with = result(results, "withFilter");
		Result<?> without = result(results, "withoutFilter");
		System.out.printf(Locale.ROOT, "%nMockMvc GET with the rate-limit filter: %.0f ± %.0f ns/op%n", with.getScore(),
				with.getScoreError());
		System.out.printf(Locale.ROOT, "MockMvc GET without it:                 %.0f ± %.0f ns/op%n",
				without.getScore(), without.getScoreError());
		System.out.printf(Locale.ROOT, "ratio: %.3f (goal <= 1.05)%n", with.getScore() / without.getScore());
	}

	private static Result<?> result(Collection<RunResult> results, String method) {
		return results.stream()
			.filter((result) -> result.getParams().getBenchmark().endsWith("." + method))
			.findFirst()
			.orElseThrow()
			.getPrimaryResult();
	}

	@RestController
	static class Hello {

		@GetMapping("/hello")
		String hello() {
			return "hello";
		}

	}

}
