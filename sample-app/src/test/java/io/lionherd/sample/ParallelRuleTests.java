package io.lionherd.sample;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The rule behind {@code parallel} in {@code GET /api/parallel}, and the task names. */
class ParallelRuleTests {

	@ParameterizedTest(name = "{0} tasks of {1}s in {2}s: parallel={3}")
	@CsvSource({ "3, 0.15, 0.156, true", // the recipe's run
			"3, 0.15, 0.299, true", // the recipe's threshold: total_time < 0.3
			"3, 0.15, 0.30, false", "3, 0.15, 0.45, false", // one after another
			"64, 0.1, 0.8, false", // 8 threads for 64 tasks: they queued
			"1, 0.15, 0.15, false", // one task shows no parallelism
			"3, 0, 0.001, false" }) // nor do tasks that take no time
	void parallelMeansFasterThanTwoTasksBackToBack(int tasks, double seconds, double total, boolean parallel) {
		assertThat(ParallelController.isParallel(tasks, seconds, total)).isEqualTo(parallel);
	}

	@ParameterizedTest(name = "task {0} is {1}")
	@CsvSource({ "0, task-A", "2, task-C", "25, task-Z", "26, task-27", "63, task-64" })
	void tasksAreNamedAToZThenNumbered(int index, String name) {
		assertThat(ParallelController.taskName(index)).isEqualTo(name);
	}

}
