package io.lionherd.concurrency.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.micrometer.MicrometerMonitorRecorder;
import io.lionherd.concurrency.micrometer.ObservationMonitorRecorder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.tracing.exporter.FinishedSpan;
import io.micrometer.tracing.exporter.SpanReporter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;
import org.springframework.boot.micrometer.tracing.brave.autoconfigure.BraveAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link LionherdObservationAutoConfiguration}.
 */
class LionherdObservationAutoConfigurationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
				LionherdObservationAutoConfiguration.class, LionherdMetricsAutoConfiguration.class,
				TaskExecutionAutoConfiguration.class, ObservationAutoConfiguration.class,
				MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class));

	@Test
	void withAnObservationRegistryMonitoredCallsAreLionherdMonitorObservations() {
		this.contextRunner.withBean(ObservationRegistry.class, TestObservationRegistry::create).run((context) -> {
			context.getBean(AsyncUtils.class).monitor("heavy_computation", () -> 499500).get(10, TimeUnit.SECONDS);
			assertThat(context.getBean(TestObservationRegistry.class)).hasObservationWithNameEqualTo("lionherd.monitor")
				.that()
				.hasLowCardinalityKeyValue("name", "heavy_computation")
				.hasLowCardinalityKeyValue("type", "sync")
				.hasLowCardinalityKeyValue("outcome", "success")
				.hasLowCardinalityKeyValue("exception", "none")
				.hasBeenStopped();
		});
	}

	@Test
	void timerComesFromTheObservationAndIsRecordedOnce() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(ObservationMonitorRecorder.class)
				.doesNotHaveBean(MicrometerMonitorRecorder.class);
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			asyncUtils.monitor("heavy_computation", () -> 499500).get(10, TimeUnit.SECONDS);
			assertThat(asyncUtils.monitor("failing", () -> {
				throw new IllegalStateException("boom");
			})).failsWithin(WAIT);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find("lionherd.monitor").timers()).hasSize(2);
			Timer success = registry.get("lionherd.monitor")
				.tags("name", "heavy_computation", "type", "sync", "outcome", "success", "exception", "none")
				.timer();
			assertThat(success.count()).isOne();
			Timer failure = registry.get("lionherd.monitor")
				.tags("name", "failing", "type", "sync", "outcome", "error", "exception", "IllegalStateException")
				.timer();
			assertThat(failure.count()).isOne();
		});
	}

	@Test
	void monitorNamesBeyondMaxNamesAreObservedAsOther() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.monitor.max-names=1").run((context) -> {
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			asyncUtils.monitor("a", () -> 1).get(10, TimeUnit.SECONDS);
			asyncUtils.monitor("b", () -> 2).get(10, TimeUnit.SECONDS);
			assertThat(context.getBean(MeterRegistry.class).find("lionherd.monitor").timers())
				.extracting((timer) -> timer.getId().getTag("name"))
				.containsExactlyInAnyOrder("a", "other");
		});
	}

	@Test
	void withoutAnObservationRegistryTheTimerIsRecordedDirectly() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
					LionherdObservationAutoConfiguration.class, LionherdMetricsAutoConfiguration.class,
					TaskExecutionAutoConfiguration.class, MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(MicrometerMonitorRecorder.class)
					.doesNotHaveBean(ObservationMonitorRecorder.class);
				context.getBean(AsyncUtils.class).monitor("direct", () -> 1).get(10, TimeUnit.SECONDS);
				assertThat(context.getBean(MeterRegistry.class)
					.get("lionherd.monitor")
					.tag("name", "direct")
					.timer()
					.count()).isOne();
			});
	}

	@Test
	void disabledMonitorCreatesNoObservations() {
		this.contextRunner.withBean(ObservationRegistry.class, TestObservationRegistry::create)
			.withPropertyValues("lionherd.concurrency.monitor.enabled=false")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(ObservationMonitorRecorder.class);
				context.getBean(AsyncUtils.class).monitor("quiet", () -> 1).get(10, TimeUnit.SECONDS);
				assertThat(context.getBean(TestObservationRegistry.class)).doesNotHaveAnyObservation();
			});
	}

	@Test
	void withoutMicrometerObservationOnTheClassPathTheMonitorStillWorks() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
					LionherdObservationAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("io.micrometer.observation"))
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(LionherdObservationAutoConfiguration.class);
				assertThat(
						context.getBean(AsyncUtils.class).monitor("plain", () -> 42).get(10, TimeUnit.SECONDS).result())
					.isEqualTo(42);
			});
	}

	@Test
	void withBraveTracingEachMonitoredCallIsASpanWithTheMonitorTags() {
		List<FinishedSpan> spans = new CopyOnWriteArrayList<>();
		this.contextRunner
			.withConfiguration(
					AutoConfigurations.of(MicrometerTracingAutoConfiguration.class, BraveAutoConfiguration.class))
			.withPropertyValues("management.tracing.sampling.probability=1.0")
			.withBean(SpanReporter.class, () -> spans::add)
			.run((context) -> {
				AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
				asyncUtils.monitor("heavy_computation", () -> 499500).get(10, TimeUnit.SECONDS);
				assertThat(asyncUtils.monitorAsync("light_async_work", () -> {
					throw new IllegalStateException("boom");
				})).failsWithin(WAIT);
				await().atMost(WAIT).until(() -> spans.size() >= 2);
				assertThat(spans).filteredOn((span) -> span.getName().equals("heavy_computation"))
					.singleElement()
					.satisfies((span) -> assertThat(span.getTags()).containsEntry("name", "heavy_computation")
						.containsEntry("type", "sync")
						.containsEntry("outcome", "success")
						.containsEntry("exception", "none"));
				assertThat(spans).filteredOn((span) -> span.getName().equals("light_async_work"))
					.singleElement()
					.satisfies((span) -> {
						assertThat(span.getTags()).containsEntry("type", "async")
							.containsEntry("outcome", "error")
							.containsEntry("exception", "IllegalStateException");
						assertThat(span.getError()).isInstanceOf(IllegalStateException.class);
					});
			});
	}

}
