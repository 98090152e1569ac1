package io.lionherd.concurrency.autoconfigure.web;

import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyAutoConfiguration;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests when {@link LionherdHttpAutoConfiguration} registers the filter, and the startup
 * failures of invalid rules.
 */
class LionherdHttpAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class, LionherdHttpAutoConfiguration.class))
		.withPropertyValues("lionherd.concurrency.rate-limiters.per-client.max-calls=5",
				"lionherd.concurrency.rate-limiters.per-client.period=10s");

	private static final String[] RULE = { "lionherd.concurrency.http.rules[0].path=/api/**",
			"lionherd.concurrency.http.rules[0].limiter=per-client",
			"lionherd.concurrency.http.rules[0].key=header:X-Api-Key" };

	@Test
	void registersTheFilterInAServletApplicationWithRules() {
		this.runner.withPropertyValues(RULE)
			.run((context) -> assertThat(context).hasSingleBean(RateLimitFilter.class)
				.getBean(RateLimitFilter.class)
				.extracting(RateLimitFilter::getOrder)
				.isEqualTo(RateLimitFilter.DEFAULT_ORDER));
	}

	@Test
	void backsOffWithoutRules() {
		this.runner.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RateLimitFilter.class));
	}

	@Test
	void backsOffOutsideAServletApplication() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LionherdConcurrencyAutoConfiguration.class,
					LionherdHttpAutoConfiguration.class))
			.withPropertyValues("lionherd.concurrency.rate-limiters.per-client.max-calls=5")
			.withPropertyValues(RULE)
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RateLimitFilter.class));
	}

	@Test
	void backsOffWhenTheApplicationDefinesItsOwnFilter() {
		this.runner.withPropertyValues(RULE)
			.withUserConfiguration(OwnFilterConfiguration.class)
			.run((context) -> assertThat(context).getBean(RateLimitFilter.class)
				.isSameAs(context.getBean(OwnFilterConfiguration.class).filter));
	}

	@Test
	void defaultOrderRunsJustAfterSpringSecuritysFilterChain() {
		assertThat(RateLimitFilter.DEFAULT_ORDER).isEqualTo(SecurityFilterProperties.DEFAULT_FILTER_ORDER + 1);
	}

	@Test
	void filterOrderCanBeSet() {
		this.runner.withPropertyValues(RULE)
			.withPropertyValues("lionherd.concurrency.http.filter-order=-101")
			.run((context) -> assertThat(context.getBean(RateLimitFilter.class).getOrder()).isEqualTo(-101));
	}

	@Test
	void invalidPathStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues(RULE)
			.withPropertyValues("lionherd.concurrency.http.rules[0].path=/api/**/items")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("lionherd.concurrency.http.rules[0].path")
				.hasMessageContaining("not a path pattern"));
	}

	@Test
	void unknownLimiterStopsStartupListingTheKnownOnes() {
		this.runner.withPropertyValues(RULE)
			.withPropertyValues("lionherd.concurrency.http.rules[0].limiter=per-clinet")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("lionherd.concurrency.http.rules[0].limiter")
				.hasMessageContaining("no rate limiter named 'per-clinet'; known rate limiters: [per-client]"));
	}

	@Test
	void unknownKeyFormStopsStartupNamingTheAllowedForms() {
		this.runner.withPropertyValues(RULE)
			.withPropertyValues("lionherd.concurrency.http.rules[0].key=cookie:session")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("lionherd.concurrency.http.rules[0].key")
				.hasMessageContaining("ip, header:<Name>")
				.hasMessageContaining("principal, none"));
	}

	@Test
	void headerKeyWithoutAHeaderNameStopsStartup() {
		this.runner.withPropertyValues(RULE)
			.withPropertyValues("lionherd.concurrency.http.rules[0].key=header:")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("lionherd.concurrency.http.rules[0].key")
				.hasMessageContaining("is not a header name"));
	}

	@Test
	void permitsTheLimiterCouldNeverGrantStopStartup() {
		this.runner.withPropertyValues(RULE)
			.withPropertyValues("lionherd.concurrency.http.rules[0].permits=6")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("lionherd.concurrency.http.rules[0].permits")
				.hasMessageContaining("rate limiter 'per-client'"));
	}

	@Test
	void ruleWithoutKeyStopsStartup() {
		this.runner
			.withPropertyValues("lionherd.concurrency.http.rules[0].path=/api/**",
					"lionherd.concurrency.http.rules[0].limiter=per-client")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("lionherd.concurrency.http.rules[0].key")
				.hasMessageContaining("a rule needs a key"));
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnFilterConfiguration {

		RateLimitFilter filter;

		@Bean
		RateLimitFilter ownFilter(RateLimiterRegistry registry) {
			LionherdHttpProperties properties = new LionherdHttpProperties();
			this.filter = new RateLimitFilter(registry, properties);
			return this.filter;
		}

	}

}
