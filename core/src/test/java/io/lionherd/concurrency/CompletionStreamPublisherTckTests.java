package io.lionherd.concurrency;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.testng.ITestResult;
import org.testng.TestListenerAdapter;
import org.testng.TestNG;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the Reactive Streams TCK's {@code FlowPublisherVerification}
 * ({@link CompletionStreamPublisherVerification}, TestNG-based) through TestNG's API, so
 * that it runs in the JUnit Platform build like every other test.
 */
class CompletionStreamPublisherTckTests {

	@Test
	void publisherPassesTheReactiveStreamsTck() {
		TestListenerAdapter listener = new TestListenerAdapter();
		TestNG testng = new TestNG(false);
		testng.setTestClasses(new Class<?>[] { CompletionStreamPublisherVerification.class });
		testng.setUseDefaultListeners(false);
		testng.addListener(listener);
		testng.setVerbose(0);
		testng.run();
		List<String> failures = new ArrayList<>();
		for (ITestResult failed : listener.getFailedTests()) {
			failures.add(failed.getName() + ": " + failed.getThrowable());
		}
		assertThat(failures).isEmpty();
		assertThat(listener.getPassedTests()).as("required rules passed").hasSizeGreaterThan(20);
		System.out.println("TCK: " + listener.getPassedTests().size() + " passed, " + listener.getSkippedTests().size()
				+ " skipped");
		listener.getSkippedTests().forEach((skipped) -> System.out.println("  skipped " + skipped.getName()));
		listener.getPassedTests()
			.forEach((passed) -> System.out
				.println("  " + (passed.getEndMillis() - passed.getStartMillis()) + " ms " + passed.getName()));
	}

}
