/**
 * What the Redis backends of the rate limiters and of the concurrency limits share: the
 * lazily opened connection, the script calls, the reading of error replies. No API: it
 * may change in any release.
 */
@NullMarked
package io.lionherd.concurrency.redis.internal;

import org.jspecify.annotations.NullMarked;
