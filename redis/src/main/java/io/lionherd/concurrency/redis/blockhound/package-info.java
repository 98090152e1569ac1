/**
 * BlockHound's allowances for the Redis limiters, found by BlockHound on the class path
 * (BlockHound is an optional dependency: nothing here is loaded without it).
 */
@NullMarked
package io.lionherd.concurrency.redis.blockhound;

import org.jspecify.annotations.NullMarked;
