package io.lionherd.concurrency.autoconfigure.web;

import java.time.Duration;

import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.autoconfigure.AsyncUtilsBuilderCustomizer;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyAutoConfiguration;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Tests the {@link RateLimitFilter} through MockMvc on a manual clock: which rule
 * applies, the keys, the RateLimit fields and the 429 answer. Each test uses its own
 * limiter or keys, the context being shared.
 */
@SpringBootTest(classes = RateLimitFilterTests.TestApplication.class, properties = {
		"lionherd.concurrency.rate-limiters.three.max-calls=3", "lionherd.concurrency.rate-limiters.three.period=10s",
		"lionherd.concurrency.rate-limiters.one.max-calls=1", "lionherd.concurrency.rate-limiters.one.period=1m",
		"lionherd.concurrency.rate-limiters.refusing.max-calls=2",
		"lionherd.concurrency.rate-limiters.refusing.period=10s",
		"lionherd.concurrency.rate-limiters.shared.max-calls=2", "lionherd.concurrency.rate-limiters.shared.period=10s",
		"lionherd.concurrency.rate-limiters.by-ip.max-calls=1", "lionherd.concurrency.rate-limiters.by-ip.period=10s",
		"lionherd.concurrency.rate-limiters.posts.max-calls=1", "lionherd.concurrency.rate-limiters.posts.period=10s",
		"lionherd.concurrency.rate-limiters.tokens.max-calls=10",
		"lionherd.concurrency.rate-limiters.tokens.period=10s", "lionherd.concurrency.http.rules[0].path=/api/special",
		"lionherd.concurrency.http.rules[0].limiter=one", "lionherd.concurrency.http.rules[0].key=header:X-Api-Key",
		"lionherd.concurrency.http.rules[1].path=/api/**", "lionherd.concurrency.http.rules[1].limiter=three",
		"lionherd.concurrency.http.rules[1].key=header:X-Api-Key", "lionherd.concurrency.http.rules[2].path=/refusing",
		"lionherd.concurrency.http.rules[2].limiter=refusing",
		"lionherd.concurrency.http.rules[2].key=header:X-Api-Key", "lionherd.concurrency.http.rules[3].path=/shared",
		"lionherd.concurrency.http.rules[3].limiter=shared", "lionherd.concurrency.http.rules[3].key=none",
		"lionherd.concurrency.http.rules[4].path=/by-ip", "lionherd.concurrency.http.rules[4].limiter=by-ip",
		"lionherd.concurrency.http.rules[4].key=ip", "lionherd.concurrency.http.rules[5].path=/posts",
		"lionherd.concurrency.http.rules[5].methods=post", "lionherd.concurrency.http.rules[5].limiter=posts",
		"lionherd.concurrency.http.rules[5].key=none", "lionherd.concurrency.http.rules[6].path=/tokens",
		"lionherd.concurrency.http.rules[6].limiter=tokens", "lionherd.concurrency.http.rules[6].key=none",
		"lionherd.concurrency.http.rules[6].permits=4" })
@AutoConfigureMockMvc
class RateLimitFilterTests {

	@Autowired
	private MockMvc mvc;

	@Autowired
	private ManualTime time;

	@Autowired
	private RateLimiterRegistry registry;

	@Test
	void allowedAnswerCarriesRateLimitFieldsOfTheClientsQuota() throws Exception {
		this.mvc.perform(apiKey(get("/api/items"), "allowed"))
			.andExpect(status().isOk())
			.andExpect(header().string("RateLimit-Policy", "\"three\";q=3;w=10"))
			.andExpect(header().string("RateLimit", "\"three\";r=2;t=" + resetSeconds("three", "allowed")));
		this.mvc.perform(apiKey(get("/api/items"), "allowed"))
			.andExpect(header().string("RateLimit", "\"three\";r=1;t=" + resetSeconds("three", "allowed")));
	}

	@Test
	void refusedAnswerIsProblemJsonNamingTheLimiterWithRetryAfter() throws Exception {
		for (int i = 0; i < 2; i++) {
			this.mvc.perform(apiKey(get("/refusing"), "secret-key")).andExpect(status().isOk());
		}
		this.mvc.perform(apiKey(get("/refusing"), "secret-key"))
			.andExpect(status().isTooManyRequests())
			.andExpect(content().contentType("application/problem+json"))
			.andExpect(header().string("Retry-After", "10"))
			.andExpect(header().string("RateLimit-Policy", "\"refusing\";q=2;w=10"))
			.andExpect(header().string("RateLimit", "\"refusing\";r=0;t=" + resetSeconds("refusing", "secret-key")))
			.andExpect(jsonPath("$.type").value("about:blank"))
			.andExpect(jsonPath("$.title").value("Too Many Requests"))
			.andExpect(jsonPath("$.status").value(429))
			.andExpect(jsonPath("$.detail").value("Rate limit of 'refusing' exceeded; retry after 10 s"))
			.andExpect(jsonPath("$.instance").value("/refusing"))
			.andExpect(jsonPath("$.limiter").value("refusing"))
			.andExpect(content().string(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("secret"))));
	}

	@Test
	void retryAfterRoundsTheWaitUpToWholeSeconds() throws Exception {
		for (int i = 0; i < 3; i++) {
			this.mvc.perform(apiKey(get("/api/rounding"), "rounding")).andExpect(status().isOk());
		}
		this.time.advance(Duration.ofMillis(3500));
		// The oldest grant leaves the window 6.5 s from now.
		this.mvc.perform(apiKey(get("/api/rounding"), "rounding"))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("Retry-After", "7"));
	}

	@Test
	void eachHeaderValueGetsItsOwnQuota() throws Exception {
		this.mvc.perform(apiKey(get("/api/special"), "a")).andExpect(status().isOk());
		this.mvc.perform(apiKey(get("/api/special"), "a")).andExpect(status().isTooManyRequests());
		this.mvc.perform(apiKey(get("/api/special"), "b"))
			.andExpect(status().isOk())
			.andExpect(header().string("RateLimit", "\"one\";r=0;t=" + resetSeconds("one", "b")));
	}

	@Test
	void firstMatchingRuleApplies() throws Exception {
		this.mvc.perform(apiKey(get("/api/special"), "first"))
			.andExpect(header().string("RateLimit-Policy", "\"one\";q=1;w=60"));
		this.mvc.perform(apiKey(get("/api/other"), "first"))
			.andExpect(header().string("RateLimit-Policy", "\"three\";q=3;w=10"));
	}

	@Test
	void requestNoRuleMatchesIsUntouched() throws Exception {
		this.mvc.perform(get("/free"))
			.andExpect(status().isOk())
			.andExpect(header().doesNotExist("RateLimit-Policy"))
			.andExpect(header().doesNotExist("RateLimit"));
	}

	@Test
	void ruleWithMethodsLeavesOtherMethodsUntouched() throws Exception {
		this.mvc.perform(get("/posts")).andExpect(status().isOk()).andExpect(header().doesNotExist("RateLimit"));
		this.mvc.perform(post("/posts")).andExpect(status().isOk()).andExpect(header().exists("RateLimit"));
		this.mvc.perform(post("/posts")).andExpect(status().isTooManyRequests());
		this.mvc.perform(get("/posts")).andExpect(status().isOk());
	}

	@Test
	void noneKeySharesOneQuotaByEveryClient() throws Exception {
		this.mvc.perform(apiKey(get("/shared"), "x")).andExpect(status().isOk());
		this.mvc.perform(apiKey(get("/shared"), "y").with(remoteAddr("10.0.0.9"))).andExpect(status().isOk());
		this.mvc.perform(get("/shared")).andExpect(status().isTooManyRequests());
	}

	@Test
	void ipKeyIsTheRemoteAddressNotXForwardedFor() throws Exception {
		this.mvc.perform(get("/by-ip").with(remoteAddr("10.0.0.1"))).andExpect(status().isOk());
		this.mvc.perform(get("/by-ip").with(remoteAddr("10.0.0.1")).header("X-Forwarded-For", "203.0.113.5"))
			.andExpect(status().isTooManyRequests());
		this.mvc.perform(get("/by-ip").with(remoteAddr("10.0.0.2"))).andExpect(status().isOk());
	}

	@Test
	void missingHeaderIsBadRequestNamingTheHeader() throws Exception {
		this.mvc.perform(get("/api/items"))
			.andExpect(status().isBadRequest())
			.andExpect(content().contentType("application/problem+json"))
			.andExpect(jsonPath("$.status").value(400))
			.andExpect(jsonPath("$.detail")
				.value(org.hamcrest.Matchers.containsString("Missing request header 'X-Api-Key'")))
			.andExpect(header().doesNotExist("RateLimit"));
	}

	@Test
	void ruleTakesItsPermitsFromTheQuota() throws Exception {
		this.mvc.perform(get("/tokens")).andExpect(header().string("RateLimit", "\"tokens\";r=6;t=" + reset("tokens")));
		this.mvc.perform(get("/tokens")).andExpect(header().string("RateLimit", "\"tokens\";r=2;t=" + reset("tokens")));
		this.mvc.perform(get("/tokens")).andExpect(status().isTooManyRequests());
	}

	private long resetSeconds(String limiter, String apiKey) {
		return RateLimitHeaders.seconds(this.registry.get(limiter, "header:x-api-key:" + apiKey).status().reset());
	}

	private long reset(String limiter) {
		return RateLimitHeaders.seconds(this.registry.get(limiter).status().reset());
	}

	private static MockHttpServletRequestBuilder apiKey(MockHttpServletRequestBuilder request, String key) {
		return request.header("X-Api-Key", key);
	}

	private static org.springframework.test.web.servlet.request.RequestPostProcessor remoteAddr(String address) {
		return (request) -> {
			request.setRemoteAddr(address);
			return request;
		};
	}

	@SpringBootConfiguration
	@ImportAutoConfiguration({ LionherdConcurrencyAutoConfiguration.class, LionherdHttpAutoConfiguration.class,
			DispatcherServletAutoConfiguration.class, WebMvcAutoConfiguration.class })
	static class TestApplication {

		@Bean
		ManualTime manualTime() {
			return new ManualTime();
		}

		@Bean
		AsyncUtilsBuilderCustomizer manualClock(ManualTime time) {
			return time::configure;
		}

		@Bean
		Endpoints endpoints() {
			return new Endpoints();
		}

	}

	@RestController
	static class Endpoints {

		@RequestMapping({ "/api/**", "/refusing", "/shared", "/by-ip", "/posts", "/tokens", "/free" })
		String ok() {
			return "ok";
		}

	}

}
