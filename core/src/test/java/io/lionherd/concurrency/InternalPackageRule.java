package io.lionherd.concurrency;

import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The class-path twin of the core's module descriptor: only the core and the Redis
 * backend use {@code io.lionherd.concurrency.internal} (and only the Redis backend
 * {@code io.lionherd.concurrency.redis.internal}, what its two backends share). On the
 * module path the descriptor enforces it; on the class path, where most applications run,
 * only this rule does. Run by the tests of the modules whose code a user would write (the
 * sample, the benchmarks, the auto-configuration).
 */
public final class InternalPackageRule {

	/** The packages of the core and of the Redis backend. */
	private static final String[] OWNERS = { "io.lionherd.concurrency", "io.lionherd.concurrency.annotation..",
			"io.lionherd.concurrency.capacity..", "io.lionherd.concurrency.internal..",
			"io.lionherd.concurrency.micrometer..", "io.lionherd.concurrency.ratelimit..",
			"io.lionherd.concurrency.reactor..", "io.lionherd.concurrency.redis.internal.." };

	private InternalPackageRule() {
	}

	/**
	 * The rule: no class outside the core and the Redis backend depends on a class of
	 * {@code io.lionherd.concurrency.internal} or
	 * {@code io.lionherd.concurrency.redis.internal}.
	 * @return the rule
	 */
	public static ArchRule onlyTheCoreAndRedisUseInternal() {
		return noClasses().that()
			.resideOutsideOfPackages(OWNERS)
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("io.lionherd.concurrency.internal..", "io.lionherd.concurrency.redis.internal..")
			.because("internal is no API (module-info exports it to lionherd-concurrency-redis alone): "
					+ "anything there may change in any release");
	}

}
