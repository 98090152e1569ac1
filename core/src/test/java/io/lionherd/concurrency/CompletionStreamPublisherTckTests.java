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
		// Skipped by the TCK itself: the optional multi-subscriber rules (one subscriber
		// by
		// design), the untested_* rules and the one needing Integer.MAX_VALUE elements.
		System.out.println("Reactive Streams TCK over CompletionStream.publisher(): " + listener.getPassedTests().size()
				+ " passed, " + listener.getSkippedTests().size() + " skipped");
	}

}
