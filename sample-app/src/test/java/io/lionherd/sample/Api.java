package io.lionherd.sample;

import java.net.http.HttpClient;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

/**
 * A real HTTP client for the running sample: plain {@link RestClient} on the JDK's
 * {@link HttpClient}, against {@code http://localhost:<port>}. Never throws for an error
 * status; gives up on a response after 20 seconds so a hang fails the test instead of
 * stalling it.
 */
final class Api {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final RestClient client;

	Api(int port) {
		JdkClientHttpRequestFactory requestFactory = new JdkClientHttpRequestFactory(HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(5))
			.build());
		requestFactory.setReadTimeout(Duration.ofSeconds(20));
		this.client = RestClient.builder()
			.baseUrl("http://localhost:" + port)
			.requestFactory(requestFactory)
			.defaultStatusHandler((status) -> true, (request, response) -> {
			})
			.build();
	}

	/**
	 * Sends {@code GET path}.
	 * @param path the path and query, sent as is
	 * @return the response
	 */
	Response get(String path) {
		ResponseEntity<String> entity = this.client.get().uri(path).retrieve().toEntity(String.class);
		return new Response(entity.getStatusCode().value(), entity.getHeaders(), entity.getBody());
	}

	record Response(int status, HttpHeaders headers, String body) {

		MediaType contentType() {
			return this.headers.getContentType();
		}

		JsonNode json() {
			return JSON.readTree(this.body);
		}

	}

}
