package io.lionherd.sample;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.0 client over a {@link Socket}: sends the request target byte for byte, so
 * a malformed percent-encoding such as {@code %zz} reaches the server as written (a
 * {@link java.net.URI} would refuse to hold it). HTTP/1.0 keeps the answer unchunked and
 * closes the connection after it.
 */
final class RawHttp {

	private RawHttp() {
	}

	/**
	 * Sends {@code GET target HTTP/1.0} and reads the whole answer.
	 * @param port the server's port on localhost
	 * @param target the request target, sent verbatim (ISO-8859-1 bytes)
	 * @return the answer
	 * @throws IOException if the exchange fails
	 */
	static Response get(int port, String target) throws IOException {
		try (Socket socket = new Socket("localhost", port)) {
			socket.setSoTimeout(20_000);
			OutputStream out = socket.getOutputStream();
			out.write(("GET " + target + " HTTP/1.0\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			InputStream in = socket.getInputStream();
			String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
			int end = answer.indexOf("\r\n\r\n");
			String[] head = answer.substring(0, end).split("\r\n");
			int status = Integer.parseInt(head[0].split(" ")[1]);
			Map<String, String> headers = new LinkedHashMap<>();
			for (int i = 1; i < head.length; i++) {
				int colon = head[i].indexOf(':');
				headers.put(head[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
						head[i].substring(colon + 1).trim());
			}
			return new Response(status, headers, answer.substring(end + 4));
		}
	}

	record Response(int status, Map<String, String> headers, String body) {

		String contentType() {
			return this.headers.get("content-type");
		}

	}

}
