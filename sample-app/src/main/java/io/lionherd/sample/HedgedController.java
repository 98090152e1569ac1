package io.lionherd.sample;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.Stages;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * A deadline and a race: lionherd's {@code fail_after} around {@code race}. Each delay is
 * a blocking task run with {@code runSync}; the first to finish answers and the others
 * are cancelled (their workers interrupted). If the deadline passes first, every task is
 * cancelled and the answer is 504. No servlet thread waits, and no thread waits for the
 * deadline.
 */
@RestController
public class HedgedController {

	static final String DELAYS_ALLOWED = "must be 1 to 8 comma-separated numbers of seconds from 0 to 10";

	static final String DEADLINE_ALLOWED = "must be a number of seconds from 0 to 10";

	private static final Pattern DELAY = Pattern.compile("[0-9]+(\\.[0-9]+)?");

	private static final int MAX_TASKS = 8;

	private final AsyncUtils asyncUtils;

	public HedgedController(AsyncUtils asyncUtils) {
		this.asyncUtils = asyncUtils;
	}

	/**
	 * Races blocking tasks of the given delays under a deadline.
	 * @param delays how long each task blocks, in seconds, comma-separated
	 * @param deadline how long the race may take, in seconds
	 * @return the winner and the tasks cancelled
	 */
	@GetMapping(path = "/api/hedged", produces = MediaType.APPLICATION_JSON_VALUE)
	public DeferredResult<HedgedResponse> hedged(@RequestParam(defaultValue = "0.3,0.1,0.2") String delays,
			@RequestParam(defaultValue = "0.25") @DecimalMin(value = "0",
					message = DEADLINE_ALLOWED) @DecimalMax(value = "10", message = DEADLINE_ALLOWED) double deadline) {
		List<Double> seconds = parseDelays(delays);
		double start = this.asyncUtils.currentTime();
		List<CompletableFuture<String>> tasks = new ArrayList<>();
		CompletableFuture<String> race = this.asyncUtils.failAfter(Duration.ofNanos(Math.round(deadline * 1e9)), () -> {
			for (int i = 0; i < seconds.size(); i++) {
				String name = ParallelController.taskName(i);
				double delay = seconds.get(i);
				tasks.add(this.asyncUtils.runSync(() -> {
					ParallelController.blockingOperation(delay, name);
					return name;
				}));
			}
			return this.asyncUtils.race(tasks);
		});
		CompletableFuture<HedgedResponse> answer = race.handle((winner, error) -> {
			double elapsed = Problems.micros(this.asyncUtils.currentTime() - start);
			if (error != null) {
				if (Stages.unwrap(error) instanceof TimeoutException) {
					throw Problems.problem(HttpStatus.GATEWAY_TIMEOUT, "Deadline passed",
							"No task finished within the deadline of " + BigDecimal.valueOf(deadline).toPlainString()
									+ "s; all " + tasks.size() + " were cancelled",
							error);
				}
				throw Problems.rethrow(error);
			}
			List<String> cancelled = new ArrayList<>();
			for (int i = 0; i < tasks.size(); i++) {
				if (tasks.get(i).isCancelled()) {
					cancelled.add(ParallelController.taskName(i));
				}
			}
			int index = names(tasks.size()).indexOf(winner);
			return new HedgedResponse(winner, seconds.get(index), cancelled, elapsed);
		});
		return AbandonableResults.cancelledWhenAbandoned(answer, race);
	}

	private static List<String> names(int count) {
		List<String> names = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			names.add(ParallelController.taskName(i));
		}
		return names;
	}

	/**
	 * Parses {@code delays} strictly: plain decimals (no sign, exponent or blanks), 1 to
	 * 8 of them, each at most 10 seconds.
	 * @param delays the parameter as sent
	 * @return the delays in seconds
	 * @throws InvalidQueryParameterException (400) naming {@code delays} otherwise
	 */
	static List<Double> parseDelays(String delays) {
		String[] parts = delays.split(",", -1);
		List<Double> seconds = new ArrayList<>(parts.length);
		boolean valid = parts.length <= MAX_TASKS;
		for (int i = 0; valid && i < parts.length; i++) {
			valid = DELAY.matcher(parts[i]).matches() && new BigDecimal(parts[i]).compareTo(BigDecimal.TEN) <= 0;
			if (valid) {
				seconds.add(Double.parseDouble(parts[i]));
			}
		}
		if (!valid) {
			throw new InvalidQueryParameterException(
					List.of(new InvalidQueryParameterException.Invalid("delays", List.of(delays), DELAYS_ALLOWED)));
		}
		return seconds;
	}

	/**
	 * The answer of {@code GET /api/hedged}.
	 *
	 * @param winner the task that finished first
	 * @param winnerDelay how long it blocked, in seconds
	 * @param cancelled the tasks cancelled, in task order
	 * @param elapsedSeconds the time from the request to the answer
	 */
	public record HedgedResponse(String winner, double winnerDelay, List<String> cancelled, double elapsedSeconds) {
	}

}
