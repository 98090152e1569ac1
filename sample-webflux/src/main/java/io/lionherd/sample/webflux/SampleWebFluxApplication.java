package io.lionherd.sample.webflux;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring WebFlux application whose {@code GET /api/reactive-quote} is served by an
 * annotated method returning a {@code Mono}: a request waiting for a permit holds no
 * thread, so the few Netty event loops keep serving every other request. The limiter and
 * the {@code AsyncUtils} bean come from the lionherd-concurrency starter.
 */
@SpringBootApplication
public class SampleWebFluxApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleWebFluxApplication.class, args);
	}

}
