package io.lionherd.concurrency.autoconfigure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.lionherd.concurrency.annotation.RateLimited;
import io.lionherd.concurrency.annotation.Retry;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the names of the limiters of {@code lionherd.concurrency.rate-limiters}: a
 * blank one stops startup naming the property, and a name with characters Spring Boot
 * drops from a map key keeps them in the bracket form.
 */
class RateLimiterNamesTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class, TaskExecutionAutoConfiguration.class));

	@Test
	void blankNameStopsStartupNamingTheProperty() {
		this.contextRunner.withPropertyValues("lionherd.concurrency.rate-limiters[ ].max-calls=2").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.satisfies((ex) -> {
					InvalidConfigurationPropertyValueException invalid = (InvalidConfigurationPropertyValueException) ex;
					assertThat(invalid.getName()).isEqualTo("lionherd.concurrency.rate-limiters");
					assertThat(invalid.getValue()).isEqualTo(" ");
					assertThat(invalid.getReason()).contains("rate limiter names must not be blank");
				});
		});
	}

	@Test
	void bracketedNamesKeepColonsBracesAndDots() {
		this.contextRunner.withInitializer((context) -> context.getEnvironment().getPropertySources().addFirst(yaml("""
				lionherd:
				  concurrency:
				    rate-limiters:
				      "[api:github]":
				        max-calls: 2
				      "[{tenant}]":
				        max-calls: 3
				      "[search.v2]":
				        max-calls: 4
				""")))
			.withInitializer(property("lionherd.concurrency.rate-limiters[billing:eu].max-calls", "5"))
			.run((context) -> {
				RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
				assertThat(registry.names()).containsExactlyInAnyOrder("api:github", "{tenant}", "search.v2",
						"billing:eu");
				assertThat(registry.get("api:github").config().maxCalls()).isEqualTo(2);
				assertThat(registry.get("billing:eu").config().maxCalls()).isEqualTo(5);
			});
	}

	@Test
	void invalidValueOfABracketedLimiterNamesThePropertyInTheBracketForm() {
		this.contextRunner.withInitializer(property("lionherd.concurrency.rate-limiters[api:github].max-calls", "0"))
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.satisfies((ex) -> assertThat(((InvalidConfigurationPropertyValueException) ex).getName())
					.isEqualTo("lionherd.concurrency.rate-limiters[api:github].max-calls")));
	}

	@Test
	void annotationNamingALimiterConfiguredWithoutBracketsPointsAtTheBracketForm() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(LionherdAnnotationsAutoConfiguration.class))
			.withInitializer((context) -> context.getEnvironment().getPropertySources().addFirst(yaml("""
					lionherd:
					  concurrency:
					    rate-limiters:
					      api:github:
					        max-calls: 2
					""")))
			.withBean("githubClient", GithubClient.class)
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("unknown rate limiter 'api:github'; known rate limiters: [apigithub]")
					.hasMessageContaining("configure it under lionherd.concurrency.rate-limiters[api:github], "
							+ "or \"[api:github]\" as a YAML key")
					.hasMessageContaining("the configured 'apigithub' is what "
							+ "lionherd.concurrency.rate-limiters.api:github binds to");
			});
	}

	@Test
	void annotationNamingARetryPolicyConfiguredWithoutBracketsPointsAtTheBracketForm() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(LionherdAnnotationsAutoConfiguration.class))
			.withInitializer((context) -> context.getEnvironment().getPropertySources().addFirst(yaml("""
					lionherd:
					  concurrency:
					    retries:
					      api:github:
					        max-attempts: 2
					""")))
			.withBean("githubRetryingClient", GithubRetryingClient.class)
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("unknown retry policy 'api:github'; known retry policies: [apigithub]")
					.hasMessageContaining("configure it under lionherd.concurrency.retries[api:github], "
							+ "or \"[api:github]\" as a YAML key")
					.hasMessageContaining(
							"the configured 'apigithub' is what lionherd.concurrency.retries.api:github binds to");
			});
	}

	@Test
	void annotationNamingADottedLimiterConfiguredWithoutBracketsPointsAtTheBracketForm() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(LionherdAnnotationsAutoConfiguration.class))
			.withInitializer((context) -> context.getEnvironment().getPropertySources().addFirst(yaml("""
					lionherd:
					  concurrency:
					    rate-limiters:
					      search.v2:
					        max-calls: 2
					""")))
			.withBean("searchV2Client", SearchV2Client.class)
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("unknown rate limiter 'search.v2'; known rate limiters: []")
				.hasMessageContaining("configure it under lionherd.concurrency.rate-limiters[search.v2], "
						+ "or \"[search.v2]\" as a YAML key")
				.hasMessageContaining("a '.' splits it")
				.hasMessageNotContaining("binds to"));
	}

	@Test
	void annotationNamingAPlainUnknownLimiterSaysWhereToConfigureIt() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(LionherdAnnotationsAutoConfiguration.class))
			.withBean("searchClient", SearchClient.class)
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("unknown rate limiter 'search'; known rate limiters: [] "
						+ "(configure it under lionherd.concurrency.rate-limiters.search)"));
	}

	/**
	 * One property as a {@code .properties} file gives it: {@code withPropertyValues}
	 * would cut its name at the first {@code :}.
	 */
	private static ApplicationContextInitializer<ConfigurableApplicationContext> property(String name, String value) {
		return (context) -> context.getEnvironment()
			.getPropertySources()
			.addFirst(new MapPropertySource("test.properties", Map.of(name, value)));
	}

	private static PropertySource<?> yaml(String yaml) {
		try {
			List<PropertySource<?>> sources = new YamlPropertySourceLoader().load("test.yml",
					new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));
			return sources.get(0);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	public static class GithubClient {

		@RateLimited("api:github")
		public String call() {
			return "called";
		}

	}

	public static class GithubRetryingClient {

		@Retry("api:github")
		public String call() {
			return "called";
		}

	}

	public static class SearchV2Client {

		@RateLimited("search.v2")
		public String call() {
			return "called";
		}

	}

	public static class SearchClient {

		@RateLimited("search")
		public String call() {
			return "called";
		}

	}

}
