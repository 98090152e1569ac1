package io.lionherd.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The lionherd-core concurrency recipes served over HTTP. The {@code AsyncUtils} bean
 * comes from the lionherd-concurrency starter's auto-configuration; this application
 * defines none.
 */
@SpringBootApplication
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
