package io.lionherd.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.web.servlet.MockMvc;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * {@code GET /api/per-client}, limited per {@code X-Api-Key} by the rule of
 * {@code application.yml}, with the window lengthened to an hour so that
 * {@code Retry-After} is exact to the second.
 */
@SpringBootTest(properties = "lionherd.concurrency.rate-limiters.per-client.period=1h")
@AutoConfigureMockMvc
class PerClientEndpointTests {

	@Autowired
	MockMvc mvc;

	@Test
	void allowedAnswerCarriesTheRateLimitFieldsOfTheClientsQuota() throws Exception {
		this.mvc.perform(get("/api/per-client").header("X-Api-Key", "allowed"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.client").value("allowed"))
			.andExpect(header().string("RateLimit-Policy", "\"per-client\";q=5;w=3600"))
			.andExpect(header().string("RateLimit", org.hamcrest.Matchers.startsWith("\"per-client\";r=4;t=")));
	}

	@Test
	void sixthRequestOfAKeyIsRefusedWithRetryAfterWhileAnotherKeyIsServed() throws Exception {
		for (int i = 0; i < 5; i++) {
			this.mvc.perform(get("/api/per-client").header("X-Api-Key", "busy")).andExpect(status().isOk());
		}
		this.mvc.perform(get("/api/per-client").header("X-Api-Key", "busy"))
			.andExpect(status().isTooManyRequests())
			.andExpect(content().contentType("application/problem+json"))
			.andExpect(header().string("Retry-After", "3600"))
			.andExpect(header().string("RateLimit", org.hamcrest.Matchers.startsWith("\"per-client\";r=0;t=")))
			.andExpect(jsonPath("$.status").value(429))
			.andExpect(jsonPath("$.limiter").value("per-client"))
			.andExpect(jsonPath("$.detail").value("Rate limit of 'per-client' exceeded; retry after 3600 s"));
		this.mvc.perform(get("/api/per-client").header("X-Api-Key", "other")).andExpect(status().isOk());
	}

	@Test
	void requestWithoutTheKeyHeaderIsBadRequest() throws Exception {
		this.mvc.perform(get("/api/per-client"))
			.andExpect(status().isBadRequest())
			.andExpect(content().contentType("application/problem+json"))
			.andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("X-Api-Key")));
	}

	@Test
	void otherEndpointsCarryNoRateLimitFields() throws Exception {
		this.mvc.perform(get("/actuator/health")).andExpect(header().doesNotExist("RateLimit"));
	}

}
