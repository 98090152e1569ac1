package io.lionherd.concurrency.benchmarks;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BenchmarkRunnerTests {

	@Test
	void scoresWhoseErrorsAreBothSmallerThanTheirDifferenceAreDistinguishable() {
		assertThat(BenchmarkRunner.distinguishable(30.0, 1.1, 36.6, 0.5)).isTrue();
	}

	@Test
	void aScoreWhoseErrorExceedsTheDifferenceIsWithinNoise() {
		assertThat(BenchmarkRunner.distinguishable(8255, 29315, 6000, 100)).isFalse();
	}

	@Test
	void anAlternativeWhoseErrorExceedsTheDifferenceIsWithinNoise() {
		assertThat(BenchmarkRunner.distinguishable(67.9, 5, 228.9, 465.4)).isFalse();
	}

	@Test
	void anErrorEqualToTheDifferenceIsWithinNoise() {
		assertThat(BenchmarkRunner.distinguishable(10, 2, 12, 1)).isFalse();
	}

}
