/**
 * The Spring-free core of lionherd-concurrency: {@code AsyncUtils}, the rate limiters,
 * the Micrometer binders and the annotation types. {@code io.lionherd.concurrency.internal}
 * is exported only to our own Redis backend; on the class path, where the module system
 * does not apply, an ArchUnit rule keeps everyone else out of it.
 */
module io.lionherd.concurrency {

	requires org.slf4j;

	// Optional: a user who binds the meters or the observations brings Micrometer, and
	// the nullness annotations are needed only to compile this module.
	requires static org.jspecify;

	requires static micrometer.core;

	requires static micrometer.observation;

	requires static context.propagation;

	requires static reactor.core;

	requires static org.reactivestreams;

	exports io.lionherd.concurrency;

	exports io.lionherd.concurrency.annotation;

	exports io.lionherd.concurrency.capacity;

	exports io.lionherd.concurrency.micrometer;

	exports io.lionherd.concurrency.ratelimit;

	exports io.lionherd.concurrency.reactor;

	exports io.lionherd.concurrency.internal to io.lionherd.concurrency.redis;

}
