package io.lionherd.concurrency.autoconfigure.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * RFC 9457 problem details, written without a JSON library: the filter runs before any
 * message converter and must not depend on one.
 */
final class Problems {

	static final String CONTENT_TYPE = "application/problem+json";

	private Problems() {
	}

	/**
	 * Writes {@code {"type":"about:blank","title":...,"status":...,"detail":...,
	 * "instance":...}} and the extra string members.
	 * @param request the request, whose path is the instance
	 * @param response the response, not committed
	 * @param status the HTTP status
	 * @param title the status's reason phrase
	 * @param detail what happened
	 * @param members extension members as name, value pairs
	 */
	static void write(HttpServletRequest request, HttpServletResponse response, int status, String title, String detail,
			String... members) throws IOException {
		StringBuilder json = new StringBuilder(256).append("{\"type\":\"about:blank\",\"title\":");
		quote(json, title).append(",\"status\":").append(status).append(",\"detail\":");
		quote(json, detail).append(",\"instance\":");
		quote(json, request.getRequestURI());
		for (int i = 0; i + 1 < members.length; i += 2) {
			json.append(',');
			quote(json, members[i]).append(':');
			quote(json, members[i + 1]);
		}
		byte[] body = json.append('}').toString().getBytes(StandardCharsets.UTF_8);
		response.setStatus(status);
		response.setContentType(CONTENT_TYPE);
		response.setContentLength(body.length);
		response.getOutputStream().write(body);
		response.flushBuffer();
	}

	static StringBuilder quote(StringBuilder json, String value) {
		json.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				default -> {
					if (c < 0x20) {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		return json.append('"');
	}

}
