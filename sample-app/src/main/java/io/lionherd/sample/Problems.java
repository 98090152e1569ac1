package io.lionherd.sample;

import java.util.concurrent.CompletionException;

import io.lionherd.concurrency.Stages;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** Small helpers for the controllers' asynchronous error paths. */
final class Problems {

	private Problems() {
	}

	/**
	 * An exception answered as an RFC 9457 {@code application/problem+json} response.
	 * @param status the HTTP status
	 * @param title the problem title
	 * @param detail the human-readable detail
	 * @param cause the underlying cause, if any
	 * @return the exception to throw
	 */
	static ErrorResponseException problem(HttpStatus status, String title, String detail, Throwable cause) {
		ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
		body.setTitle(title);
		return new ErrorResponseException(status, body, cause);
	}

	/**
	 * Rethrows {@code error} from inside a completion callback, unchecked.
	 * @param error the failure to pass on
	 * @return never returns; declared so callers can write {@code throw rethrow(error)}
	 */
	static RuntimeException rethrow(Throwable error) {
		Throwable cause = Stages.unwrap(error);
		if (cause instanceof RuntimeException runtime) {
			throw runtime;
		}
		if (cause instanceof Error fatal) {
			throw fatal;
		}
		throw new CompletionException(cause);
	}

	/**
	 * Rounds seconds to microseconds, for readable JSON.
	 * @param seconds a duration or time in seconds
	 * @return the value rounded to six decimals
	 */
	static double micros(double seconds) {
		return Math.round(seconds * 1_000_000d) / 1_000_000d;
	}

}
