package io.lionherd.concurrency.autoconfigure.web;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Tests the {@link RateLimitFilter} with Spring Security: the filter runs after
 * Security's filter chain, so that a {@code principal} key is the authenticated user's
 * name and Security's own 401 comes first on the paths it protects.
 */
@SpringBootTest(classes = RateLimitFilterSecurityTests.TestApplication.class,
		properties = { "lionherd.concurrency.rate-limiters.per-user.max-calls=2",
				"lionherd.concurrency.rate-limiters.per-user.period=1h", "lionherd.concurrency.http.rules[0].path=/**",
				"lionherd.concurrency.http.rules[0].limiter=per-user",
				"lionherd.concurrency.http.rules[0].key=principal" })
@AutoConfigureMockMvc
class RateLimitFilterSecurityTests {

	@Autowired
	private MockMvc mvc;

	@Test
	void eachAuthenticatedUserGetsTheirOwnQuota() throws Exception {
		this.mvc.perform(basic(get("/private/data"), "alice")).andExpect(status().isOk());
		this.mvc.perform(basic(get("/public/data"), "alice"))
			.andExpect(status().isOk())
			.andExpect(header().string("RateLimit", org.hamcrest.Matchers.startsWith("\"per-user\";r=0;")));
		this.mvc.perform(basic(get("/private/data"), "alice")).andExpect(status().isTooManyRequests());
		this.mvc.perform(basic(get("/private/data"), "bob"))
			.andExpect(status().isOk())
			.andExpect(header().string("RateLimit", org.hamcrest.Matchers.startsWith("\"per-user\";r=1;")));
	}

	@Test
	void anonymousRequestSecurityLetsThroughIsUnauthorizedProblem() throws Exception {
		this.mvc.perform(get("/public/data"))
			.andExpect(status().isUnauthorized())
			.andExpect(content().contentType("application/problem+json"))
			.andExpect(jsonPath("$.status").value(401))
			.andExpect(jsonPath("$.limiter").value("per-user"))
			.andExpect(header().doesNotExist("RateLimit"));
	}

	@Test
	void securityRefusesAnonymousRequestsToProtectedPathsBeforeTheFilter() throws Exception {
		this.mvc.perform(get("/private/data"))
			.andExpect(status().isUnauthorized())
			.andExpect(header().string("WWW-Authenticate", org.hamcrest.Matchers.startsWith("Basic")))
			.andExpect(header().doesNotExist("RateLimit"))
			.andExpect(header().doesNotExist("Content-Type"));
	}

	private static MockHttpServletRequestBuilder basic(MockHttpServletRequestBuilder request, String user) {
		String credentials = Base64.getEncoder().encodeToString((user + ":pw").getBytes(StandardCharsets.UTF_8));
		return request.header("Authorization", "Basic " + credentials);
	}

	@SpringBootConfiguration
	@ImportAutoConfiguration({ LionherdConcurrencyAutoConfiguration.class, LionherdHttpAutoConfiguration.class,
			DispatcherServletAutoConfiguration.class, WebMvcAutoConfiguration.class, SecurityAutoConfiguration.class,
			ServletWebSecurityAutoConfiguration.class, SecurityFilterAutoConfiguration.class })
	static class TestApplication {

		@Bean
		SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
			return http
				.authorizeHttpRequests(
						(requests) -> requests.requestMatchers("/private/**").authenticated().anyRequest().permitAll())
				.httpBasic(Customizer.withDefaults())
				.build();
		}

		@Bean
		InMemoryUserDetailsManager users() {
			return new InMemoryUserDetailsManager(User.withUsername("alice").password("{noop}pw").build(),
					User.withUsername("bob").password("{noop}pw").build());
		}

		@Bean
		Endpoints endpoints() {
			return new Endpoints();
		}

	}

	@RestController
	static class Endpoints {

		@GetMapping({ "/private/data", "/public/data" })
		String ok() {
			return "ok";
		}

	}

}
