/**
 * Ahead-of-time processing support: the runtime hints (reflection, resources) that
 * lionherd-concurrency needs in a Spring AOT-processed application or a GraalVM native
 * image, registered through {@code META-INF/spring/aot.factories}.
 */
@NullMarked
package io.lionherd.concurrency.autoconfigure.aot;

import org.jspecify.annotations.NullMarked;
