package io.lionherd.concurrency.autoconfigure.web;

import java.util.List;
import java.util.Map;

import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyAutoConfiguration;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import jakarta.servlet.Filter;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * {@link AutoConfiguration Auto-configuration} of the {@link RateLimitFilter}: in a
 * servlet web application whose {@code lionherd.concurrency.http.rules} are set. An
 * application's own {@link RateLimitFilter} bean replaces it.
 */
@AutoConfiguration(after = LionherdConcurrencyAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ Filter.class, OncePerRequestFilter.class })
@ConditionalOnBean(RateLimiterRegistry.class)
@Conditional(LionherdHttpAutoConfiguration.OnRulesCondition.class)
@EnableConfigurationProperties(LionherdHttpProperties.class)
public final class LionherdHttpAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RateLimitFilter lionherdRateLimitFilter(RateLimiterRegistry rateLimiterRegistry,
			LionherdHttpProperties properties) {
		return new RateLimitFilter(rateLimiterRegistry, properties);
	}

	/** Matches when at least one rule is configured. */
	static final class OnRulesCondition extends SpringBootCondition {

		private static final String RULES = LionherdHttpProperties.PREFIX + ".rules";

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			boolean present = Binder.get(context.getEnvironment())
				.bind(RULES, Bindable.listOf(Map.class))
				.map(List::isEmpty)
				.map((empty) -> !empty)
				.orElse(false);
			return present ? ConditionOutcome.match(RULES + " set") : ConditionOutcome.noMatch(RULES + " not set");
		}

	}

}
