package io.lionherd.concurrency.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;

import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Version;

/**
 * Runs the benchmarks (all, or those matching the regular expressions given as arguments)
 * with JMH's Runner API, then the 100 000 concurrent sleeps comparison
 * ({@link SleepScaleHarness}) in fresh JVMs, and prints and writes the comparison table
 * {@code benchmark | ours | alternative |
 * ratio | goal | met?}.
 * <p>
 * System properties (defaults suit a noisy 2-core machine):
 * <ul>
 * <li>{@code -Dforks=1}, {@code -Dwarmup.iterations=3}, {@code -Dwarmup.time=1s},
 * {@code -Dmeasurement.iterations=5}, {@code -Dmeasurement.time=1s}: JMH parameters;</li>
 * <li>{@code -Dquick=true}: a smoke run, 1 fork, 1 warm-up and 1 measurement iteration of
 * 200 ms each, one JVM per side for the sleep comparison;</li>
 * <li>{@code -Dprof=gc}: JMH profilers, comma-separated ({@code gc} by default, giving
 * allocation per operation; {@code none} for no profiler);</li>
 * <li>{@code -Djvm.args="-Xmx2g ..."}: extra arguments for the forked benchmark
 * JVMs;</li>
 * <li>{@code -Dsleep.scale=false}: skip the 100 000 sleeps comparison;
 * {@code -Dsleep.scale.runs=5}, {@code -Dsleep.scale.count=100000},
 * {@code -Dsleep.scale.millis=50}: its size;</li>
 * <li>{@code -Dresults.file=PATH}: where to write the Markdown report. By default a full
 * run writes {@code benchmarks/RESULTS.md}, a quick run or a subset run
 * {@code benchmarks/target/RESULTS-quick.md} or
 * {@code benchmarks/target/RESULTS-partial.md}, so smoke and partial runs never overwrite
 * the real results.</li>
 * </ul>
 */
public final class BenchmarkRunner {

	private static final String PACKAGE = "io.lionherd.concurrency.benchmarks.";

	private static final String SLEEP_SCALE = PACKAGE + "SleepScaleHarness";

	/** A goal for one comparison. */
	interface Goal {

		String describe();

		boolean met(double ours, double ratio);

		/**
		 * The boundary the ratio is compared with, or NaN when the goal is on ours alone.
		 */
		double ratioBound();

		static Goal ratioAtMost(double bound) {
			return new Goal() {
				public String describe() {
					return "ratio ≤ " + bound;
				}

				public boolean met(double ours, double ratio) {
					return ratio <= bound;
				}

				public double ratioBound() {
					return bound;
				}
			};
		}

		static Goal ratioBelow(double bound) {
			return new Goal() {
				public String describe() {
					return "ratio < " + bound;
				}

				public boolean met(double ours, double ratio) {
					return ratio < bound;
				}

				public double ratioBound() {
					return bound;
				}
			};
		}

		static Goal oursBelow(double bound, String unit) {
			return new Goal() {
				public String describe() {
					return "ours < " + fmt(bound) + " " + unit;
				}

				public boolean met(double ours, double ratio) {
					return ours < bound;
				}

				public double ratioBound() {
					return Double.NaN;
				}
			};
		}

	}

	/** One row of the table: two benchmarks of one class measured in the same run. */
	record Comparison(String label, String ours, String alternative, Goal goal) {
	}

	static final List<Comparison> COMPARISONS = List.of(
			new Comparison("isAsync(AsyncCallable) vs Method.getReturnType + isAssignableFrom", "IsAsyncBenchmark.ours",
					"IsAsyncBenchmark.alternative", Goal.oursBelow(10, "ns/op")),
			new Comparison("runSync(callable).join() vs supplyAsync(supplier, pool).join()", "RunSyncBenchmark.ours",
					"RunSyncBenchmark.alternative", Goal.ratioAtMost(1.15)),
			new Comparison("gather 10 000 completed vs allOf + join into list", "GatherBenchmark.oursCompleted10k",
					"GatherBenchmark.alternativeCompleted10k", Goal.ratioAtMost(1.2)),
			new Comparison("gather 1 000 pending, completed after vs allOf + join into list",
					"GatherBenchmark.oursPending1k", "GatherBenchmark.alternativePending1k", Goal.ratioAtMost(1.2)),
			new Comparison("sleep(10s) + cancel vs completeOnTimeout(10s) + cancel", "SleepBenchmark.ours",
					"SleepBenchmark.alternative", Goal.ratioAtMost(1.1)),
			new Comparison("monitorAsync(completed) vs raw Timer.record", "MonitorBenchmark.ours",
					"MonitorBenchmark.alternative", Goal.ratioAtMost(1.3)),
			new Comparison("tryAcquire, 1 thread, vs Resilience4j AtomicRateLimiter",
					"RateLimiterBenchmark.ours1Thread", "RateLimiterBenchmark.resilience4j1Thread",
					Goal.ratioBelow(1.0)),
			new Comparison("tryAcquire, 1 thread, vs Guava RateLimiter", "RateLimiterBenchmark.ours1Thread",
					"RateLimiterBenchmark.guava1Thread", Goal.ratioBelow(1.0)),
			new Comparison("tryAcquire, 1 thread, vs Bucket4j", "RateLimiterBenchmark.ours1Thread",
					"RateLimiterBenchmark.bucket4j1Thread", Goal.ratioBelow(1.0)),
			new Comparison("tryAcquire(1) vs tryAcquire(), one limit, 1 thread",
					"RateLimiterBenchmark.oursOnePermit1Thread", "RateLimiterBenchmark.ours1Thread",
					Goal.ratioAtMost(1.05)),
			new Comparison("tryAcquire(1), 1 thread, vs Resilience4j AtomicRateLimiter",
					"RateLimiterBenchmark.oursOnePermit1Thread", "RateLimiterBenchmark.resilience4j1Thread",
					Goal.ratioBelow(1.0)),
			new Comparison("tryAcquire(1), 1 thread, vs Guava RateLimiter", "RateLimiterBenchmark.oursOnePermit1Thread",
					"RateLimiterBenchmark.guava1Thread", Goal.ratioBelow(1.0)),
			new Comparison("tryAcquire(1), 1 thread, vs Bucket4j", "RateLimiterBenchmark.oursOnePermit1Thread",
					"RateLimiterBenchmark.bucket4j1Thread", Goal.ratioBelow(1.0)),
			new Comparison("tryAcquire(10), calls- and permits-limit vs one permits-limit, 1 thread",
					"RateLimiterBenchmark.oursTwoLimitsWeighted1Thread", "RateLimiterBenchmark.oursWeighted1Thread",
					Goal.ratioAtMost(1.5)),
			new Comparison("tryAcquire, 2 threads, vs Resilience4j AtomicRateLimiter",
					"RateLimiterBenchmark.ours2Threads", "RateLimiterBenchmark.resilience4j2Threads",
					Goal.ratioBelow(1.0)),
			new Comparison("tryAcquire, 2 threads, vs Guava RateLimiter", "RateLimiterBenchmark.ours2Threads",
					"RateLimiterBenchmark.guava2Threads", Goal.ratioBelow(1.0)),
			new Comparison("tryAcquire, 2 threads, vs Bucket4j", "RateLimiterBenchmark.ours2Threads",
					"RateLimiterBenchmark.bucket4j2Threads", Goal.ratioBelow(1.0)),
			new Comparison("get(name, key).tryAcquire() over 10 000 hot keys vs a named tryAcquire(), 1 thread",
					"KeyedRateLimiterBenchmark.keyed1Thread", "KeyedRateLimiterBenchmark.named1Thread",
					Goal.ratioAtMost(1.5)),
			new Comparison("MockMvc GET with the rate-limit filter vs without", "HttpFilterBenchmark.withFilter",
					"HttpFilterBenchmark.withoutFilter", Goal.ratioAtMost(1.05)),
			new Comparison("@RateLimited proxy vs Resilience4j @RateLimiter aspect",
					"AnnotationsBenchmark.oursRateLimited", "AnnotationsBenchmark.resilience4jRateLimiter",
					Goal.ratioAtMost(1.0)),
			new Comparison("race of 2 completed vs anyOf + cancel the rest", "PatternsBenchmark.oursRace",
					"PatternsBenchmark.alternativeRace", Goal.ratioAtMost(1.2)),
			new Comparison("boundedMap 1 000 runSync, limit 8, vs Semaphore-gated supplyAsync",
					"PatternsBenchmark.oursBoundedMap", "PatternsBenchmark.alternativeBoundedMap",
					Goal.ratioAtMost(1.2)),
			new Comparison("retry, first attempt succeeds, vs a direct call", "PatternsBenchmark.oursRetry",
					"PatternsBenchmark.alternativeRetry", Goal.ratioAtMost(1.2)),
			new Comparison("failAfter(10s) on a completed stage vs orTimeout",
					"PatternsBenchmark.oursFailAfterCompleted", "PatternsBenchmark.alternativeOrTimeoutCompleted",
					Goal.ratioAtMost(1.2)),
			new Comparison("failAfter(10s) on a stage completed right after vs orTimeout",
					"PatternsBenchmark.oursFailAfterPending", "PatternsBenchmark.alternativeOrTimeoutPending",
					Goal.ratioAtMost(1.2)),
			new Comparison("completionStream over 10 000 completed stages vs ExecutorCompletionService",
					"CompletionStreamBenchmark.ours", "CompletionStreamBenchmark.completionService",
					Goal.ratioAtMost(1.2)),
			new Comparison("CapacityLimiter tryAcquire + close vs Semaphore tryAcquire + release, 1 thread",
					"CapacityLimiterBenchmark.oursTryAcquire1Thread", "CapacityLimiterBenchmark.semaphore1Thread",
					Goal.ratioAtMost(1.2)),
			new Comparison("CapacityLimiter tryAcquire + close vs Semaphore tryAcquire + release, 2 threads",
					"CapacityLimiterBenchmark.oursTryAcquire2Threads", "CapacityLimiterBenchmark.semaphore2Threads",
					Goal.ratioAtMost(1.2)),
			new Comparison("CapacityLimiter tryAcquire + close vs Resilience4j SemaphoreBulkhead, 1 thread",
					"CapacityLimiterBenchmark.oursTryAcquire1Thread", "CapacityLimiterBenchmark.bulkhead1Thread",
					Goal.ratioAtMost(1.2)),
			new Comparison("CapacityLimiter tryAcquire + close vs Resilience4j SemaphoreBulkhead, 2 threads",
					"CapacityLimiterBenchmark.oursTryAcquire2Threads", "CapacityLimiterBenchmark.bulkhead2Threads",
					Goal.ratioAtMost(1.2)),
			new Comparison("CapacityLimiter acquire().join() + close, uncontended, vs Semaphore, 1 thread",
					"CapacityLimiterBenchmark.oursAcquireJoin1Thread", "CapacityLimiterBenchmark.semaphore1Thread",
					Goal.ratioAtMost(1.2)),
			new Comparison("CapacityLimiter acquire().join() + close, uncontended, vs Semaphore, 2 threads",
					"CapacityLimiterBenchmark.oursAcquireJoin2Threads", "CapacityLimiterBenchmark.semaphore2Threads",
					Goal.ratioAtMost(1.2)),
			new Comparison("cancel a gather of 40 000 queued runSync vs of 10 000 (linear: 4, quadratic: 16)",
					"CancelQueuedBenchmark.cancelGather40k", "CancelQueuedBenchmark.cancelGather10k",
					Goal.ratioAtMost(6)),
			new Comparison("cancel a gather of 40 000 queued runSync vs one ThreadPoolExecutor.remove per input",
					"CancelQueuedBenchmark.cancelGather40k", "CancelQueuedBenchmark.removeEach40k",
					Goal.ratioBelow(1.0)),
			new Comparison("RateLimiterOperator on Mono.just vs Resilience4j's reactor RateLimiterOperator",
					"ReactorOperatorBenchmark.ours", "ReactorOperatorBenchmark.resilience4j", Goal.ratioBelow(1.0)));

	/**
	 * Supplementary measurements, shown against the paired alternative without a goal.
	 */
	static final List<Comparison> SUPPLEMENTARY = List.of(
			new Comparison("tryAcquire(10) vs tryAcquire(1), calls- and permits-limit",
					"RateLimiterBenchmark.oursTwoLimitsWeighted1Thread", "RateLimiterBenchmark.oursOnePermit1Thread",
					null),
			new Comparison("tryAcquire(10) vs tryAcquire(1), one permits-limit",
					"RateLimiterBenchmark.oursWeighted1Thread", "RateLimiterBenchmark.oursOnePermit1Thread", null),
			new Comparison("tryAcquire(1), calls- and permits-limit vs one permits-limit",
					"RateLimiterBenchmark.oursTwoLimitsOnePermit1Thread", "RateLimiterBenchmark.oursOnePermit1Thread",
					null),
			new Comparison("get(name, key).tryAcquire() vs a hand-rolled ConcurrentHashMap of 10 000 limiters",
					"KeyedRateLimiterBenchmark.keyed1Thread", "KeyedRateLimiterBenchmark.handRolledMap1Thread", null),
			new Comparison("isAsync without any cache (functional method looked up per call)",
					"IsAsyncBenchmark.uncachedLookup", "IsAsyncBenchmark.alternative", null),
			new Comparison("runSync with context propagation off", "RunSyncBenchmark.oursNoContext",
					"RunSyncBenchmark.alternative", null),
			new Comparison("one System.nanoTime() (the floor of failAfter) vs orTimeout on a completed stage",
					"PatternsBenchmark.clockRead", "PatternsBenchmark.alternativeOrTimeoutCompleted", null),
			new Comparison("@RateLimited + @Monitored proxy vs Resilience4j @RateLimiter aspect",
					"AnnotationsBenchmark.oursRateLimitedMonitored", "AnnotationsBenchmark.resilience4jRateLimiter",
					null),
			new Comparison("programmatic tryAcquire + call, ours vs Resilience4j acquirePermission + call",
					"AnnotationsBenchmark.oursProgrammatic", "AnnotationsBenchmark.resilience4jProgrammatic", null),
			new Comparison("one ThreadPoolExecutor.remove per input (previous approach), 40 000 queued vs 10 000",
					"CancelQueuedBenchmark.removeEach40k", "CancelQueuedBenchmark.removeEach10k", null),
			new Comparison("@RateLimited Mono method (proxy + interceptor) vs the same unannotated",
					"ReactiveAnnotationsBenchmark.annotatedMono", "ReactiveAnnotationsBenchmark.unannotatedMono", null),
			new Comparison("@RateLimited Mono method (proxy + interceptor) vs RateLimiterOperator applied by hand",
					"ReactiveAnnotationsBenchmark.annotatedMono", "ReactiveAnnotationsBenchmark.operatorByHand", null),
			new Comparison("RateLimiterOperator applied by hand vs the same Mono unlimited",
					"ReactiveAnnotationsBenchmark.operatorByHand", "ReactiveAnnotationsBenchmark.unannotatedMono",
					null));

	private BenchmarkRunner() {
	}

	public static void main(String[] args) throws Exception {
		Settings settings = Settings.fromSystemProperties(args);
		String loadBefore = loadAverage();
		ZonedDateTime started = ZonedDateTime.now();

		Map<String, RunResult> results = runJmh(settings);
		List<Map<String, String>> sleepRuns = settings.runSleepScale() ? runSleepScale(settings) : List.of();

		String report = report(settings, results, sleepRuns, started, loadBefore, loadAverage());
		System.out.println();
		System.out.println(report);
		Path file = settings.resultsFile();
		Files.createDirectories(file.toAbsolutePath().getParent());
		Files.writeString(file, report, StandardCharsets.UTF_8);
		System.out.println("Written to " + file.toAbsolutePath().normalize());
	}

	// ---------------------------------------------------------------- JMH

	private static Map<String, RunResult> runJmh(Settings settings) throws RunnerException {
		ChainedOptionsBuilder options = new OptionsBuilder().forks(settings.forks)
			.warmupIterations(settings.warmupIterations)
			.warmupTime(settings.warmupTime)
			.measurementIterations(settings.measurementIterations)
			.measurementTime(settings.measurementTime)
			.shouldFailOnError(false)
			.result(settings.baseDir.resolve("target/jmh-results.json").toString())
			.resultFormat(ResultFormatType.JSON);
		for (String include : settings.includes) {
			options.include(include);
		}
		for (String profiler : settings.profilers) {
			options.addProfiler(profiler);
		}
		if (!settings.jvmArgs.isEmpty()) {
			options.jvmArgsAppend(settings.jvmArgs.toArray(new String[0]));
		}
		Map<String, RunResult> byName = new TreeMap<>();
		try {
			Collection<RunResult> results = new Runner(options.build()).run();
			for (RunResult result : results) {
				byName.put(result.getParams().getBenchmark(), result);
			}
		}
		catch (NoBenchmarksException ex) {
			System.out.println("No JMH benchmark matches " + settings.includes);
		}
		return byName;
	}

	// ---------------------------------------------------------------- 100 000 sleeps

	private static List<Map<String, String>> runSleepScale(Settings settings) throws IOException, InterruptedException {
		List<Map<String, String>> runs = new ArrayList<>();
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		for (int run = 0; run < settings.sleepScaleRuns; run++) {
			// Alternate the order so neither side always
			// runs on a machine just warmed by the other.
			List<String> sides = (run % 2 == 0) ? List.of("ours", "alternative") : List.of("alternative", "ours");
			for (String side : sides) {
				List<String> command = List.of(java, "-Xms1g", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
						SLEEP_SCALE, side, Integer.toString(settings.sleepScaleCount),
						Long.toString(settings.sleepScaleMillis));
				System.out.println("# Sleep scale run " + (run + 1) + "/" + settings.sleepScaleRuns + ": " + side);
				Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
				Map<String, String> values = null;
				try (BufferedReader reader = new BufferedReader(
						new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
					String line;
					while ((line = reader.readLine()) != null) {
						System.out.println("  " + line);
						if (line.startsWith("RESULT ")) {
							values = parseResult(line);
						}
					}
				}
				if (!process.waitFor(10, TimeUnit.MINUTES)) {
					process.destroyForcibly();
				}
				if (values == null) {
					System.out.println("  (no RESULT line: exit code " + process.exitValue() + ")");
				}
				else {
					runs.add(values);
				}
			}
		}
		return runs;
	}

	private static Map<String, String> parseResult(String line) {
		Map<String, String> values = new LinkedHashMap<>();
		for (String pair : line.substring("RESULT ".length()).trim().split("\\s+")) {
			int eq = pair.indexOf('=');
			values.put(pair.substring(0, eq), pair.substring(eq + 1));
		}
		return values;
	}

	// ---------------------------------------------------------------- report

	static String report(Settings settings, Map<String, RunResult> results, List<Map<String, String>> sleepRuns,
			ZonedDateTime started, String loadBefore, String loadAfter) {
		StringBuilder out = new StringBuilder();
		out.append("# lionherd-concurrency benchmark results\n\n");
		out.append(settings.quick ? "**Quick smoke run: numbers are not meaningful.**\n\n" : "");
		out.append("Generated by `BenchmarkRunner` on ")
			.append(started.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
			.append(". Reproduce from the repository root:\n\n")
			.append("```\nmvn -B -q install -DskipTests && java -jar benchmarks/target/benchmarks.jar\n```\n\n");

		out.append("## Environment\n\n");
		out.append("| | |\n|---|---|\n");
		out.append("| JDK | ")
			.append(System.getProperty("java.vm.name"))
			.append(' ')
			.append(System.getProperty("java.runtime.version"))
			.append(" (")
			.append(System.getProperty("java.vm.vendor"))
			.append(") |\n");
		out.append("| OS | ")
			.append(System.getProperty("os.name"))
			.append(' ')
			.append(System.getProperty("os.version"))
			.append(' ')
			.append(System.getProperty("os.arch"))
			.append(" |\n");
		out.append("| available processors | ").append(Runtime.getRuntime().availableProcessors()).append(" |\n");
		out.append("| load average (1, 5, 15 min) before / after | ")
			.append(loadBefore)
			.append(" / ")
			.append(loadAfter)
			.append(" |\n");
		out.append("| JMH | ")
			.append(Version.getPlainVersion())
			.append(", forks ")
			.append(settings.forks)
			.append(", warm-up ")
			.append(settings.warmupIterations)
			.append(" × ")
			.append(settings.warmupTime)
			.append(", measurement ")
			.append(settings.measurementIterations)
			.append(" × ")
			.append(settings.measurementTime)
			.append(", profilers ")
			.append(settings.profilers.isEmpty() ? "none" : String.join(",", settings.profilers))
			.append(settings.jvmArgs.isEmpty() ? "" : ", fork JVM args " + String.join(" ", settings.jvmArgs))
			.append(" |\n");
		out.append("| benchmarks selected | ")
			.append(settings.includes.equals(List.of(Settings.ALL)) ? "all" : "`" + settings.includes + "`")
			.append(" |\n\n");
		out.append("The machine has ")
			.append(Runtime.getRuntime().availableProcessors())
			.append(" cores shared with other builds that may run at the same time, so scores are noisy: ")
			.append("read the ± (99.9% confidence half-width) and treat borderline results as such. ")
			.append("Ratio = ours / alternative, both average time per operation: below 1 means ours is faster. ")
			.append("A ratio is reported only where both sides' errors are smaller than the difference of the scores; ")
			.append("otherwise the row says \"within noise\" and no verdict is given. ")
			.append("\"met?\" judges the JMH score (mean of the iterations); the median ratio, of the per-iteration ")
			.append("medians, is shown beside it because an iteration that another build slowed down moves the mean ")
			.append("but hardly the median, and a verdict the medians disagree with says so.\n\n");

		out.append("## Comparisons\n\n");
		boolean alloc = settings.profilers.contains("gc");
		out.append("| benchmark | ours | alternative | ratio | median ratio | goal | met? |")
			.append(alloc ? " alloc B/op ours / alt |" : "")
			.append('\n');
		out.append("|---|---:|---:|---:|---:|---|---|").append(alloc ? "---:|" : "").append('\n');
		for (Comparison comparison : COMPARISONS) {
			row(out, settings, results, comparison, alloc);
		}
		out.append("\nSupplementary (no goal):\n\n");
		out.append("| benchmark | measured | paired with | ratio | median ratio |")
			.append(alloc ? " alloc B/op / paired |" : "")
			.append('\n');
		out.append("|---|---:|---:|---:|---:|").append(alloc ? "---:|" : "").append('\n');
		for (Comparison comparison : SUPPLEMENTARY) {
			row(out, settings, results, comparison, alloc);
		}

		out.append("\n## 100 000 concurrent sleeps\n\n");
		sleepScale(out, settings, sleepRuns);

		out.append("\n## All JMH scores\n\n");
		if (results.isEmpty()) {
			out.append("None ran.\n");
		}
		else {
			out.append("| benchmark | mode | threads | score | ± | unit |")
				.append(alloc ? " alloc B/op |" : "")
				.append('\n');
			out.append("|---|---|---:|---:|---:|---|").append(alloc ? "---:|" : "").append('\n');
			for (RunResult result : results.values()) {
				Result<?> primary = result.getPrimaryResult();
				out.append("| ")
					.append(shortName(result.getParams().getBenchmark()))
					.append(" | ")
					.append(result.getParams().getMode().shortLabel())
					.append(" | ")
					.append(result.getParams().getThreads())
					.append(" | ")
					.append(fmt(primary.getScore()))
					.append(" | ")
					.append(fmt(primary.getScoreError()))
					.append(" | ")
					.append(primary.getScoreUnit())
					.append(" |");
				if (alloc) {
					out.append(' ').append(fmt(allocation(result))).append(" |");
				}
				out.append('\n');
			}
		}
		out.append("\nNotes:\n\n")
			.append("- Rate limiters: each allows 1 000 000 permits per 1 ms (10^9/s), more than two threads can ask ")
			.append("for, so every call is granted; each limiter counts refusals and its benchmark fails if there ")
			.append("was any. Resilience4j `AtomicRateLimiter` with timeout 0; Guava `RateLimiter.create(1e9)`; ")
			.append("Bucket4j lock-free bucket, greedy refill, its default millisecond clock; ours ")
			.append("`RateLimiter.slidingWindow(1_000_000, 1ms)`. With 2 threads, the score is the average time ")
			.append("per call of each thread while both hammer the same limiter.\n")
			.append("- runSync: both sides use the same fixed 2-thread `ThreadPoolExecutor`; ours is built like the ")
			.append("starter's default (MDC propagation on; Logback on the class path).\n")
			.append("- sleep schedule+cancel: the JDK alternative is `completeOnTimeout`, whose cancel removes the ")
			.append("timer entry as ours does; cancelling a `supplyAsync(…, delayedExecutor(d))` future leaves the ")
			.append("entry queued until `d` passes (see the 100 000 sleeps table, heap after cancel).\n")
			.append("- A benchmark that failed (an exception in its setup, e.g. a component not implemented yet) ")
			.append("shows as FAILED; the JMH log has the stack trace.\n");
		return out.toString();
	}

	private static void row(StringBuilder out, Settings settings, Map<String, RunResult> results, Comparison comparison,
			boolean alloc) {
		RunResult ours = results.get(PACKAGE + comparison.ours());
		RunResult alternative = results.get(PACKAGE + comparison.alternative());
		out.append("| ").append(comparison.label()).append(" | ");
		out.append(cell(settings, comparison.ours(), ours)).append(" | ");
		out.append(cell(settings, comparison.alternative(), alternative)).append(" | ");
		double ratio = Double.NaN;
		double medianRatio = Double.NaN;
		String verdict = "–";
		boolean withinNoise = false;
		if (ours != null && alternative != null) {
			double o = ours.getPrimaryResult().getScore();
			double a = alternative.getPrimaryResult().getScore();
			double oMedian = median(ours);
			double aMedian = median(alternative);
			boolean timeMode = ours.getParams().getMode() != Mode.Throughput;
			ratio = timeMode ? o / a : a / o;
			medianRatio = timeMode ? oMedian / aMedian : aMedian / oMedian;
			withinNoise = !distinguishable(o, err(ours.getPrimaryResult()), a, err(alternative.getPrimaryResult()));
			if (withinNoise) {
				verdict = "not judged (within noise)";
			}
			else if (comparison.goal() != null) {
				boolean met = comparison.goal().met(o, ratio);
				boolean medianMet = comparison.goal().met(oMedian, medianRatio);
				verdict = (met ? "yes" : "**NO**")
						+ (borderline(comparison.goal(), ours, alternative) ? " (within error)" : "")
						+ ((met != medianMet) ? (medianMet ? "; medians meet it" : "; medians miss it") : "");
			}
		}
		else if (comparison.goal() != null) {
			verdict = "not measured";
		}
		out.append(ratioCell(ratio, withinNoise)).append(" | ");
		out.append(ratioCell(medianRatio, withinNoise)).append(" | ");
		if (comparison.goal() != null) {
			out.append(comparison.goal().describe()).append(" | ").append(verdict).append(" |");
		}
		if (alloc) {
			out.append(' ')
				.append(ours == null ? "–" : fmt(allocation(ours)))
				.append(" / ")
				.append(alternative == null ? "–" : fmt(allocation(alternative)))
				.append(" |");
		}
		out.append('\n');
	}

	private static String ratioCell(double ratio, boolean withinNoise) {
		if (Double.isNaN(ratio)) {
			return "–";
		}
		return withinNoise ? "within noise" : String.format(Locale.ROOT, "%.2f", ratio);
	}

	/**
	 * Whether two scores differ by more than either one's error: only then is their ratio
	 * a result; otherwise it is within noise.
	 * @param ours our score
	 * @param oursError its error (the 99.9% confidence half-width)
	 * @param alternative the alternative's score
	 * @param alternativeError its error
	 * @return {@code true} when both errors are smaller than the difference
	 */
	static boolean distinguishable(double ours, double oursError, double alternative, double alternativeError) {
		double difference = Math.abs(ours - alternative);
		return oursError < difference && alternativeError < difference;
	}

	/** Whether the error bars of the two scores straddle the goal's boundary. */
	private static boolean borderline(Goal goal, RunResult ours, RunResult alternative) {
		Result<?> o = ours.getPrimaryResult();
		Result<?> a = alternative.getPrimaryResult();
		double oLow = o.getScore() - err(o);
		double oHigh = o.getScore() + err(o);
		double bound = goal.ratioBound();
		if (Double.isNaN(bound)) {
			return false;
		}
		double aLow = Math.max(a.getScore() - err(a), Double.MIN_VALUE);
		double aHigh = a.getScore() + err(a);
		return oLow / aHigh <= bound && bound <= oHigh / aLow;
	}

	/**
	 * The median of the measurement iterations: robust to an iteration hit by another
	 * process.
	 */
	private static double median(RunResult result) {
		return result.getPrimaryResult().getStatistics().getPercentile(50.0);
	}

	private static double err(Result<?> result) {
		double error = result.getScoreError();
		return Double.isNaN(error) ? 0 : error;
	}

	private static String cell(Settings settings, String name, RunResult result) {
		if (result != null) {
			Result<?> primary = result.getPrimaryResult();
			String error = Double.isNaN(primary.getScoreError()) ? "" : " ± " + fmt(primary.getScoreError());
			return fmt(primary.getScore()) + error + " " + primary.getScoreUnit();
		}
		return settings.selected(PACKAGE + name) ? "FAILED" : "not run";
	}

	private static double allocation(RunResult result) {
		for (Map.Entry<String, Result> entry : result.getSecondaryResults().entrySet()) {
			if (entry.getKey().endsWith("gc.alloc.rate.norm")) {
				return entry.getValue().getScore();
			}
		}
		return Double.NaN;
	}

	private static void sleepScale(StringBuilder out, Settings settings, List<Map<String, String>> runs) {
		if (!settings.runSleepScale()) {
			out.append("Not run in this selection.\n");
			return;
		}
		List<Map<String, String>> ours = runs.stream().filter((run) -> "ours".equals(run.get("side"))).toList();
		List<Map<String, String>> alternative = runs.stream()
			.filter((run) -> "alternative".equals(run.get("side")))
			.toList();
		if (ours.isEmpty() || alternative.isEmpty()) {
			out.append("FAILED: a side gave no result (see the log).\n");
			return;
		}
		out.append(settings.sleepScaleCount)
			.append(" sleeps of ")
			.append(settings.sleepScaleMillis)
			.append(" ms started back to back, in a fresh JVM (-Xmx1g) per side and run; ")
			.append(ours.size())
			.append(" run(s) per side, order alternated, medians shown. Ours: `asyncUtils.sleep(d)` with its default ")
			.append("wake-up threads (one per core, at least 2, before Java 21; virtual threads from 21); alternative: ")
			.append("`CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(d, unit, pool))` ")
			.append("woken on a fixed 2-thread pool. Wall time = start of the first call to completion of the ")
			.append("last (ideal: ")
			.append(settings.sleepScaleMillis)
			.append(" ms + scheduling time); the warm round follows a cold one in the same JVM. Heap = used heap ")
			.append("after `System.gc()` with ")
			.append(settings.sleepScaleCount)
			.append(" pending 60 s sleeps, minus the baseline; after cancel = with all of them cancelled and ")
			.append("dropped (what the timer still holds).\n\n");
		out.append("| metric | ours | alternative (delayedExecutor) | goal | met? |\n|---|---:|---:|---|---|\n");
		sleepRow(out, "wall time, warm round (ms)", ours, alternative, "wallMs", 1, "≤ alternative × 1.10 (noise)",
				(o, a) -> o <= a * 1.10);
		sleepRow(out, "  of which scheduling (ms)", ours, alternative, "scheduleMs", 1, "", null);
		sleepRow(out, "wall time, cold round (ms)", ours, alternative, "coldWallMs", 1, "", null);
		sleepRow(out, "peak live threads (warm round)", ours, alternative, "peakThreads", 1, "≤ alternative",
				(o, a) -> o <= a);
		sleepRow(out, "  live threads before the round", ours, alternative, "threadsBefore", 1, "", null);
		sleepRow(out, "timer threads", ours, alternative, "timerThreads", 1, "ours = 1", (o, a) -> o == 1);
		sleepRow(out, "heap for the pending sleeps (MiB)", ours, alternative, "heapPendingBytes", 1024 * 1024,
				"≤ alternative × 1.10 (noise)", (o, a) -> o <= a * 1.10);
		sleepRow(out, "  per pending sleep (bytes)", ours, alternative, "heapPendingBytes", settings.sleepScaleCount,
				"", null);
		sleepRow(out, "heap after cancelling them all (MiB)", ours, alternative, "heapAfterCancelBytes", 1024 * 1024,
				"", null);
	}

	interface Check {

		boolean met(double ours, double alternative);

	}

	private static void sleepRow(StringBuilder out, String label, List<Map<String, String>> ours,
			List<Map<String, String>> alternative, String key, double divisor, String goal, Check check) {
		ToDoubleFunction<Map<String, String>> value = (run) -> Double.parseDouble(run.get(key)) / divisor;
		double o = median(ours.stream().mapToDouble(value).toArray());
		double a = median(alternative.stream().mapToDouble(value).toArray());
		String all = ours.size() > 1 ? " (" + join(ours, value) + ")" : "";
		String allAlt = alternative.size() > 1 ? " (" + join(alternative, value) + ")" : "";
		out.append("| ")
			.append(label)
			.append(" | ")
			.append(fmt(o))
			.append(all)
			.append(" | ")
			.append(fmt(a))
			.append(allAlt)
			.append(" | ")
			.append(goal)
			.append(" | ")
			.append(check == null ? "" : check.met(o, a) ? "yes" : "**NO**")
			.append(" |\n");
	}

	private static String join(List<Map<String, String>> runs, ToDoubleFunction<Map<String, String>> value) {
		return String.join(", ", runs.stream().map((run) -> fmt(value.applyAsDouble(run))).toList());
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		int n = sorted.length;
		return (n % 2 == 1) ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	}

	static String fmt(double value) {
		if (Double.isNaN(value)) {
			return "–";
		}
		double abs = Math.abs(value);
		if (abs == 0 || abs >= 1000 || value == Math.rint(value) && abs < 1e6) {
			return (abs >= 1e6) ? String.format(Locale.ROOT, "%.3g", value)
					: String.format(Locale.ROOT, "%,.0f", value);
		}
		if (abs >= 100) {
			return String.format(Locale.ROOT, "%.1f", value);
		}
		if (abs >= 1) {
			return String.format(Locale.ROOT, "%.2f", value);
		}
		return String.format(Locale.ROOT, "%.3f", value);
	}

	private static String shortName(String benchmark) {
		return benchmark.startsWith(PACKAGE) ? benchmark.substring(PACKAGE.length()) : benchmark;
	}

	private static String loadAverage() {
		try {
			String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return parts[0] + ", " + parts[1] + ", " + parts[2];
		}
		catch (IOException | RuntimeException ex) {
			return "n/a";
		}
	}

	// ---------------------------------------------------------------- settings

	record Settings(List<String> includes, boolean quick, int forks, int warmupIterations, TimeValue warmupTime,
			int measurementIterations, TimeValue measurementTime, List<String> profilers, List<String> jvmArgs,
			boolean sleepScale, int sleepScaleRuns, int sleepScaleCount, long sleepScaleMillis, Path baseDir,
			Path resultsFile) {

		static final String ALL = Pattern.quote(PACKAGE) + ".*";

		static Settings fromSystemProperties(String[] args) {
			boolean quick = Boolean.getBoolean("quick");
			List<String> includes = args.length == 0 ? List.of(ALL) : List.of(args);
			int forks = Integer.getInteger("forks", 1);
			int warmupIterations = Integer.getInteger("warmup.iterations", quick ? 1 : 3);
			TimeValue warmupTime = TimeValue.fromString(System.getProperty("warmup.time", quick ? "200ms" : "1s"));
			int measurementIterations = Integer.getInteger("measurement.iterations", quick ? 1 : 5);
			TimeValue measurementTime = TimeValue
				.fromString(System.getProperty("measurement.time", quick ? "200ms" : "1s"));
			String prof = System.getProperty("prof", "gc").trim();
			List<String> profilers = (prof.isEmpty() || prof.equals("none")) ? List.of()
					: Arrays.stream(prof.split(",")).map(String::trim).filter((p) -> !p.isEmpty()).toList();
			String jvmArgsProperty = System.getProperty("jvm.args", "").trim();
			List<String> jvmArgs = jvmArgsProperty.isEmpty() ? List.of() : List.of(jvmArgsProperty.split("\\s+"));
			boolean sleepScale = Boolean.parseBoolean(System.getProperty("sleep.scale", "true"));
			int sleepScaleRuns = Integer.getInteger("sleep.scale.runs", quick ? 1 : 5);
			int sleepScaleCount = Integer.getInteger("sleep.scale.count", 100_000);
			long sleepScaleMillis = Long.getLong("sleep.scale.millis", 50L);
			Path baseDir = (Files.isRegularFile(Path.of("benchmarks", "pom.xml"))) ? Path.of("benchmarks")
					: Path.of(".");
			String defaultFile = quick ? "target/RESULTS-quick.md"
					: (args.length > 0) ? "target/RESULTS-partial.md" : "RESULTS.md";
			String resultsProperty = System.getProperty("results.file");
			Path resultsFile = (resultsProperty != null) ? Path.of(resultsProperty) : baseDir.resolve(defaultFile);
			return new Settings(includes, quick, forks, warmupIterations, warmupTime, measurementIterations,
					measurementTime, profilers, jvmArgs, sleepScale, sleepScaleRuns, sleepScaleCount, sleepScaleMillis,
					baseDir, resultsFile);
		}

		/**
		 * Whether the given benchmark (or the sleep scale harness) matches the selection,
		 * as JMH matches.
		 */
		boolean selected(String name) {
			return this.includes.stream().anyMatch((include) -> Pattern.compile(include).matcher(name).find());
		}

		boolean runSleepScale() {
			return this.sleepScale && selected(SLEEP_SCALE);
		}

	}

}
