package io.lionherd.sample;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.MonitorResult;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The performance-monitor recipe: {@code kind=sync} monitors the blocking
 * {@code heavy_computation(n)} (run with {@code runSync}), {@code kind=async} monitors
 * the async {@code light_async_work(n)} (a thread-free sleep). Each call is recorded as
 * the {@code lionherd.monitor} timer, visible at
 * {@code /actuator/metrics/lionherd.monitor} and {@code /actuator/prometheus}.
 */
@RestController
public class MonitorController {

	static final String HEAVY_COMPUTATION = "heavy_computation";

	static final String LIGHT_ASYNC_WORK = "light_async_work";

	static final String KIND_ALLOWED = "must be 'sync' or 'async'";

	static final String N_ALLOWED = "must be an integer from 0 to 10000000";

	private static final Duration WORK = Duration.ofMillis(100);

	private final AsyncUtils asyncUtils;

	public MonitorController(AsyncUtils asyncUtils) {
		this.asyncUtils = asyncUtils;
	}

	/**
	 * Runs and measures one of the recipe's tasks.
	 * @param kind {@code sync} or {@code async}
	 * @param n the task's argument, 0 to 10 000 000
	 * @return the task's result, the elapsed time and the execution type
	 */
	@GetMapping(path = "/api/monitor", produces = MediaType.APPLICATION_JSON_VALUE)
	public CompletableFuture<MonitorResponse> monitor(
			@RequestParam(defaultValue = "sync") @Pattern(regexp = "sync|async", message = KIND_ALLOWED) String kind,
			@RequestParam(defaultValue = "1000") @Min(value = 0, message = N_ALLOWED) @Max(value = 10_000_000,
					message = N_ALLOWED) int n) {
		CompletableFuture<? extends MonitorResult<Long>> monitored = "sync".equals(kind)
				? this.asyncUtils.monitor(HEAVY_COMPUTATION, () -> heavyComputation(n))
				: this.asyncUtils.monitorAsync(LIGHT_ASYNC_WORK, () -> lightAsyncWork(n));
		return monitored.thenApply(MonitorResponse::of);
	}

	/**
	 * The recipe's blocking {@code heavy_computation}: sleeps 0.1 s, returns
	 * {@code sum(range(n))}.
	 * @param n how many integers to add, from 0
	 * @return {@code 0 + 1 + ... + (n - 1)}; 499500 for 1000
	 * @throws InterruptedException if cancelled while sleeping
	 */
	static long heavyComputation(int n) throws InterruptedException {
		Thread.sleep(WORK.toMillis());
		return LongStream.range(0, n).sum();
	}

	/**
	 * The recipe's async {@code light_async_work}: sleeps 0.1 s without a thread, returns
	 * {@code n * 2}.
	 * @param n the input
	 * @return a future of {@code n * 2}; 84 for 42
	 */
	CompletableFuture<Long> lightAsyncWork(int n) {
		return this.asyncUtils.sleep(WORK).thenApply((ignored) -> n * 2L);
	}

	/**
	 * The answer of {@code GET /api/monitor}.
	 *
	 * @param result the task's result
	 * @param elapsedSeconds how long the monitored call took
	 * @param type {@code sync} or {@code async}
	 */
	public record MonitorResponse(long result, double elapsedSeconds, String type) {

		static MonitorResponse of(MonitorResult<Long> monitored) {
			return new MonitorResponse(monitored.result(), Problems.micros(monitored.elapsed().toNanos() / 1e9),
					monitored.type().tagValue());
		}

	}

}
