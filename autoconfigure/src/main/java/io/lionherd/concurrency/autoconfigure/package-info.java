/**
 * Spring Boot auto-configuration for lionherd-concurrency: the {@code AsyncUtils} bean,
 * its executor, named rate limiters and their metrics.
 */
@NullMarked
package io.lionherd.concurrency.autoconfigure;

import org.jspecify.annotations.NullMarked;
