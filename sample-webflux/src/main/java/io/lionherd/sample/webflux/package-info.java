/**
 * A Spring WebFlux application using the lionherd-concurrency starter's annotations on a
 * method returning a {@code Mono}.
 */
@NullMarked
package io.lionherd.sample.webflux;

import org.jspecify.annotations.NullMarked;
