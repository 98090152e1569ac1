package io.lionherd.concurrency.autoconfigure.web;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.lionherd.concurrency.ManualTime;
import io.lionherd.concurrency.autoconfigure.AsyncUtilsBuilderCustomizer;
import io.lionherd.concurrency.autoconfigure.LionherdConcurrencyAutoConfiguration;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests the {@link RateLimitFilter} over a real Tomcat port: the client address behind a
 * proxy ({@code server.forward-headers-strategy=native}) and without one, and waiting for
 * permits without holding a request thread. The proxied server has one request thread.
 */
class RateLimitFilterOverHttpTests {

	private static final String[] COMMON = { "server.port=0", "spring.main.banner-mode=off",
			"lionherd.concurrency.rate-limiters.by-ip.max-calls=1",
			"lionherd.concurrency.rate-limiters.by-ip.period=10s",
			"lionherd.concurrency.rate-limiters.slow.max-calls=1", "lionherd.concurrency.rate-limiters.slow.period=10s",
			"lionherd.concurrency.rate-limiters.gone.max-calls=1", "lionherd.concurrency.rate-limiters.gone.period=10s",
			"lionherd.concurrency.rate-limiters.brief.max-calls=1",
			"lionherd.concurrency.rate-limiters.brief.period=10s", "lionherd.concurrency.http.rules[0].path=/by-ip",
			"lionherd.concurrency.http.rules[0].limiter=by-ip", "lionherd.concurrency.http.rules[0].key=ip",
			"lionherd.concurrency.http.rules[1].path=/slow", "lionherd.concurrency.http.rules[1].limiter=slow",
			"lionherd.concurrency.http.rules[1].key=none", "lionherd.concurrency.http.rules[1].wait=30s",
			"lionherd.concurrency.http.rules[2].path=/gone", "lionherd.concurrency.http.rules[2].limiter=gone",
			"lionherd.concurrency.http.rules[2].key=none", "lionherd.concurrency.http.rules[2].wait=30s",
			"lionherd.concurrency.http.rules[3].path=/brief", "lionherd.concurrency.http.rules[3].limiter=brief",
			"lionherd.concurrency.http.rules[3].key=none", "lionherd.concurrency.http.rules[3].wait=2s",
			"lionherd.concurrency.rate-limiters.gone-http11.max-calls=1",
			"lionherd.concurrency.rate-limiters.gone-http11.period=10s",
			"lionherd.concurrency.http.rules[4].path=/gone-http11",
			"lionherd.concurrency.http.rules[4].limiter=gone-http11", "lionherd.concurrency.http.rules[4].key=none",
			"lionherd.concurrency.http.rules[4].wait=30s" };

	private static ConfigurableApplicationContext proxied;

	private static ConfigurableApplicationContext direct;

	private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	@BeforeAll
	static void start() {
		proxied = start("server.forward-headers-strategy=native", "server.tomcat.threads.max=1",
				"server.tomcat.threads.min-spare=1");
		direct = start("server.forward-headers-strategy=none");
	}

	private static ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(TestApplication.class).web(WebApplicationType.SERVLET)
			.properties(COMMON)
			.properties(properties)
			.run();
	}

	@AfterAll
	static void stop() {
		if (proxied != null) {
			proxied.close();
		}
		if (direct != null) {
			direct.close();
		}
	}

	@Test
	void behindATrustedProxyXForwardedForDecidesTheClientAddress() throws Exception {
		assertThat(get(proxied, "/by-ip", "X-Forwarded-For", "203.0.113.1").statusCode()).isEqualTo(200);
		assertThat(get(proxied, "/by-ip", "X-Forwarded-For", "203.0.113.1").statusCode()).isEqualTo(429);
		assertThat(get(proxied, "/by-ip", "X-Forwarded-For", "203.0.113.2").statusCode()).isEqualTo(200);
	}

	@Test
	void withoutForwardHeadersStrategyXForwardedForIsIgnored() throws Exception {
		assertThat(get(direct, "/by-ip", "X-Forwarded-For", "203.0.113.1").statusCode()).isEqualTo(200);
		HttpResponse<String> refused = get(direct, "/by-ip", "X-Forwarded-For", "203.0.113.2");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Retry-After")).hasValue("10");
		assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"by-ip\";q=1;w=10");
		assertThat(refused.headers().firstValue("RateLimit"))
			.hasValueSatisfying((value) -> value.startsWith("\"by-ip\";r=0;t="));
		assertThat(refused.body())
			.contains("\"status\":429", "\"detail\":\"Rate limit of 'by-ip' exceeded; retry after 10 s\"")
			.doesNotContain("127.0.0.1");
	}

	@Test
	void waitingRequestHoldsNoRequestThreadAndGoesOnWhenGranted() throws Exception {
		assertThat(get(proxied, "/slow").statusCode()).isEqualTo(200);
		CompletableFuture<HttpResponse<String>> waiting = this.client.sendAsync(request(proxied, "/slow").build(),
				HttpResponse.BodyHandlers.ofString());
		RateLimiter slow = limiter(proxied, "slow");
		await().atMost(Duration.ofSeconds(20)).until(() -> slow.waitingCount() == 1);
		// The only request thread is free while the other request waits.
		assertThat(get(proxied, "/free").body()).isEqualTo("ok");
		assertThat(waiting).isNotDone();
		time(proxied).advance(Duration.ofSeconds(10));
		HttpResponse<String> granted = waiting.get(20, java.util.concurrent.TimeUnit.SECONDS);
		assertThat(granted.statusCode()).isEqualTo(200);
		assertThat(granted.body()).isEqualTo("ok");
		assertThat(granted.headers().firstValue("RateLimit"))
			.hasValueSatisfying((value) -> value.startsWith("\"slow\";r=0;t="));
	}

	@Test
	void clientThatGoesAwayWhileWaitingIsNotCharged() throws Exception {
		ConfigurableApplicationContext h2 = start("server.http2.enabled=true");
		try {
			HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
			HttpResponse<String> first = client.send(request(h2, "/gone").build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
			assertThat(first.statusCode()).isEqualTo(200);
			RateLimiter gone = limiter(h2, "gone");
			CompletableFuture<HttpResponse<String>> waiting = client.sendAsync(request(h2, "/gone").build(),
					HttpResponse.BodyHandlers.ofString());
			await().atMost(Duration.ofSeconds(20)).until(() -> gone.waitingCount() == 1);
			// The client resets the stream: the container reports an error to the filter.
			waiting.cancel(true);
			await().atMost(Duration.ofSeconds(20)).until(() -> gone.waitingCount() == 0);
			time(h2).advance(Duration.ofSeconds(10));
			assertThat(gone.availablePermits()).isEqualTo(1);
		}
		finally {
			h2.close();
		}
	}

	@Test
	void http11ClientThatClosesItsConnectionWhileWaitingIsChargedWhenItsTurnComes() throws Exception {
		assertThat(get(direct, "/gone-http11").statusCode()).isEqualTo(200);
		RateLimiter gone = limiter(direct, "gone-http11");
		try (Socket socket = new Socket("127.0.0.1", port(direct))) {
			OutputStream out = socket.getOutputStream();
			out.write(("GET /gone-http11 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			out.flush();
			await().atMost(Duration.ofSeconds(20)).until(() -> gone.waitingCount() == 1);
		}
		// Tomcat does not watch the connection of an HTTP/1.1 request in async mode (even
		// a
		// reset goes unnoticed): the request keeps its place, as docs/http.md says, and
		// is granted, and charged, when its turn comes. Should Tomcat start reporting
		// such a close, this fails: then the docs can promise what HTTP/2 gets.
		time(direct).advance(Duration.ofSeconds(10));
		await().atMost(Duration.ofSeconds(20)).until(() -> gone.waitingCount() == 0);
		assertThat(gone.availablePermits()).isZero();
	}

	@Test
	void waitShorterThanTheEarliestGrantIsRefusedAtOnce() throws Exception {
		assertThat(get(proxied, "/brief").statusCode()).isEqualTo(200);
		HttpResponse<String> refused = get(proxied, "/brief");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Retry-After")).hasValue("10");
		assertThat(limiter(proxied, "brief").waitingCount()).isZero();
	}

	private HttpResponse<String> get(ConfigurableApplicationContext context, String path, String... headers)
			throws IOException, InterruptedException {
		HttpRequest.Builder request = request(context, path);
		for (int i = 0; i + 1 < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
		}
		return this.client.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static HttpRequest.Builder request(ConfigurableApplicationContext context, String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(context) + path))
			.timeout(Duration.ofSeconds(30));
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	private static RateLimiter limiter(ConfigurableApplicationContext context, String name) {
		return context.getBean(RateLimiterRegistry.class).get(name);
	}

	private static ManualTime time(ConfigurableApplicationContext context) {
		return context.getBean(ManualTime.class);
	}

	@SpringBootConfiguration
	@ImportAutoConfiguration({ LionherdConcurrencyAutoConfiguration.class, LionherdHttpAutoConfiguration.class,
			TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
			WebMvcAutoConfiguration.class })
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

		@GetMapping({ "/by-ip", "/slow", "/gone", "/gone-http11", "/brief", "/free" })
		String ok() {
			return "ok";
		}

	}

}
