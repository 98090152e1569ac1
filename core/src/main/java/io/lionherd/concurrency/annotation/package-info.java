/**
 * Annotation types for declarative use ({@code @RateLimited}, {@code @Monitored},
 * {@code @Retry}): Spring-free, processed by the Spring Boot auto-configuration.
 */
@NullMarked
package io.lionherd.concurrency.annotation;

import org.jspecify.annotations.NullMarked;
