/**
 * lionherd's annotations on Spring beans: the post-processor that proxies annotated
 * beans, and the interceptor that plans each annotated method once and dispatches its
 * calls to the core's decorators ({@code RateLimiter.executeCallable},
 * {@code AsyncUtils.retryBlocking}, {@code AsyncUtils.monitorStage}...).
 */
@NullMarked
package io.lionherd.concurrency.autoconfigure.annotation;

import org.jspecify.annotations.NullMarked;
