/**
 * Limits per client over HTTP: a servlet filter that applies named rate limiters to
 * requests by path, method and client key, answering the IETF {@code RateLimit} fields
 * and {@code 429 Too Many Requests}.
 */
@NullMarked
package io.lionherd.concurrency.autoconfigure.web;

import org.jspecify.annotations.NullMarked;
