package io.lionherd.sample;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.Stages;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * The "multiple blocking calls in parallel" recipe: {@code tasks} blocking sleeps, each
 * run with {@code runSync} and all awaited together. No servlet thread waits: the answer
 * is a {@link DeferredResult} that Spring MVC completes asynchronously.
 * <p>
 * One request runs at most {@code sample.parallel.tasks-in-flight} (default 3) of its
 * tasks at once on the shared pool ({@link AsyncUtils#boundedMap}), starting the next as
 * one ends, so a large request cannot queue everyone else's tasks behind its own. The
 * batch runs in a deadline scope ({@link AsyncUtils#failAfter}) of
 * {@code sample.parallel.deadline} (default 25 s): when it is due, or when the request is
 * abandoned first (async request timeout, container-reported error), its tasks are
 * cancelled: running ones interrupted, the rest never started.
 */
@RestController
public class ParallelController {

	static final String TASKS_ALLOWED = "must be an integer from 1 to 64";

	static final String SECONDS_ALLOWED = "must be a number of seconds from 0 to 10";

	private final AsyncUtils asyncUtils;

	private final int tasksInFlight;

	private final Duration deadline;

	public ParallelController(AsyncUtils asyncUtils, ParallelProperties properties) {
		this.asyncUtils = asyncUtils;
		this.tasksInFlight = properties.tasksInFlight();
		this.deadline = properties.deadline();
	}

	/**
	 * Runs {@code tasks} blocking sleeps of {@code seconds} each in parallel.
	 * @param tasks how many tasks, 1 to 64
	 * @param seconds how long each task blocks, 0 to 10
	 * @return the results in task order, the total time, and whether the tasks ran in
	 * parallel
	 */
	@GetMapping(path = "/api/parallel", produces = MediaType.APPLICATION_JSON_VALUE)
	public DeferredResult<ParallelResponse> parallel(
			@RequestParam(defaultValue = "3") @Min(value = 1, message = TASKS_ALLOWED) @Max(value = 64,
					message = TASKS_ALLOWED) int tasks,
			@RequestParam(defaultValue = "0.15") @DecimalMin(value = "0",
					message = SECONDS_ALLOWED) @DecimalMax(value = "10", message = SECONDS_ALLOWED) double seconds) {
		double start = this.asyncUtils.currentTime();
		List<String> names = IntStream.range(0, tasks).mapToObj(ParallelController::taskName).toList();
		// The deadline scope cancels the batch's work when it is due: running tasks are
		// interrupted and the rest never start.
		CompletableFuture<List<String>> all = this.asyncUtils.failAfter(this.deadline,
				() -> this.asyncUtils.boundedMap(names, this.tasksInFlight,
						(name) -> this.asyncUtils.runSync(() -> blockingOperation(seconds, name))));
		CompletableFuture<ParallelResponse> answer = all.handle((results, error) -> {
			if (error != null) {
				if (Stages.unwrap(error) instanceof TimeoutException) {
					throw Problems.problem(HttpStatus.SERVICE_UNAVAILABLE, "Batch took too long",
							"The " + tasks + " tasks did not finish within " + seconds(this.deadline)
									+ "s and were cancelled; the executor may be busy",
							error);
				}
				throw Problems.rethrow(error);
			}
			double total = this.asyncUtils.currentTime() - start;
			return new ParallelResponse(results, Problems.micros(total), isParallel(tasks, seconds, total));
		});
		return AbandonableResults.cancelledWhenAbandoned(answer, all);
	}

	private static String seconds(Duration duration) {
		return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString();
	}

	/**
	 * The recipe's {@code blocking_operation}: blocks the calling thread, then reports.
	 * @param seconds how long to block
	 * @param name the task's name
	 * @return {@code "Completed <name> after <seconds>s"}
	 * @throws InterruptedException if the task is cancelled while it sleeps
	 */
	static String blockingOperation(double seconds, String name) throws InterruptedException {
		TimeUnit.NANOSECONDS.sleep(Math.round(seconds * 1e9));
		return "Completed " + name + " after " + BigDecimal.valueOf(seconds).toPlainString() + "s";
	}

	/**
	 * Task names: {@code task-A} to {@code task-Z}, then {@code task-27},
	 * {@code task-28}, ...
	 * @param index the zero-based task index
	 * @return the task's name
	 */
	static String taskName(int index) {
		return (index < 26) ? "task-" + (char) ('A' + index) : "task-" + (index + 1);
	}

	/**
	 * The rule behind {@code parallel}, generalising the recipe's
	 * {@code total_time < 0.3} for three 0.15 s tasks: the batch finished sooner than two
	 * of its tasks could run back to back, so all tasks overlapped instead of queueing
	 * behind one another. A single task, or tasks of zero seconds, can show no
	 * parallelism: {@code false}.
	 * @param tasks how many tasks ran
	 * @param seconds how long each task blocked
	 * @param totalSeconds how long the whole batch took
	 * @return whether the tasks ran in parallel
	 */
	static boolean isParallel(int tasks, double seconds, double totalSeconds) {
		return tasks > 1 && seconds > 0 && totalSeconds < 2 * seconds;
	}

	/**
	 * The answer of {@code GET /api/parallel}.
	 *
	 * @param results each task's result, in task order
	 * @param totalSeconds the time from the request to the last task's completion
	 * @param parallel see {@link #isParallel(int, double, double)}
	 */
	public record ParallelResponse(List<String> results, double totalSeconds, boolean parallel) {
	}

}
