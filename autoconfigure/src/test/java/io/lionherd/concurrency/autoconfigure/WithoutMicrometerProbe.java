package io.lionherd.concurrency.autoconfigure;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.lionherd.concurrency.AsyncUtils;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts an application with every auto-configuration on the class path and uses the
 * auto-configured {@link AsyncUtils}; run by {@link WithoutMicrometerTests} in a class
 * loader that has no Micrometer at all.
 */
public final class WithoutMicrometerProbe implements Callable<String> {

	@Override
	public String call() throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(ProbeApplication.class)
			.web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.run()) {
			AsyncUtils asyncUtils = context.getBean(AsyncUtils.class);
			Object monitored = asyncUtils.monitor("plain", () -> 42).get(10, TimeUnit.SECONDS).result();
			Object gathered = asyncUtils.gather(asyncUtils.runSync(() -> "a"), asyncUtils.runSync(() -> "b"))
				.get(10, TimeUnit.SECONDS);
			return monitored + " " + gathered;
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class ProbeApplication {

	}

}
