package io.lionherd.concurrency.autoconfigure;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitConfig;
import io.lionherd.concurrency.capacity.ConcurrencyLimitRegistry;
import io.lionherd.concurrency.ratelimit.Limit;
import io.lionherd.concurrency.ratelimit.RateLimiter;
import io.lionherd.concurrency.ratelimit.RateLimiterConfig;
import io.lionherd.concurrency.ratelimit.RateLimiterRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.annotation.RegisterReflectionForBinding;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@link Endpoint @Endpoint} {@code lionherd}: the named limiters of the
 * {@link RateLimiterRegistry} and the named concurrency limits of the
 * {@link ConcurrencyLimitRegistry} with their configuration and state now, so an operator
 * can see which limiter is exhausted or has callers waiting, and every limit of each.
 * {@code GET /actuator/lionherd} lists them by name under {@code rateLimiters} and
 * {@code capacityLimiters}; {@code GET /actuator/lionherd/ratelimiters/{name}} and
 * {@code GET /actuator/lionherd/capacitylimiters/{name}} answer one, or 404 for an
 * unknown name. For the client keys of a limiter
 * ({@code RateLimiterRegistry.get(name, key)}, {@code @RateLimited(key = ...)}) it tells
 * how many are live, never which: keys are client identities (API keys, user ids,
 * addresses), and there may be thousands.
 * <p>
 * The answer of one by name is typed {@link OperationResponseBody}, one of two records:
 * both are registered for binding, for a native image.
 * <p>
 * The id is the library's own, not {@code ratelimiters}: Resilience4j's starter owns that
 * one, and two endpoints of one id stop the application's startup.
 */
@Endpoint(id = LionherdEndpoint.ID)
@RegisterReflectionForBinding({ LionherdEndpoint.RateLimiterDescriptor.class,
		LionherdEndpoint.CapacityLimiterDescriptor.class })
public final class LionherdEndpoint {

	/**
	 * The endpoint's id.
	 */
	public static final String ID = "lionherd";

	/**
	 * The path segment, after the endpoint's, of the limiters:
	 * {@code /actuator/lionherd/ratelimiters/{name}}.
	 */
	static final String RATE_LIMITERS = "ratelimiters";

	/**
	 * The path segment, after the endpoint's, of the concurrency limits:
	 * {@code /actuator/lionherd/capacitylimiters/{name}}.
	 */
	static final String CAPACITY_LIMITERS = "capacitylimiters";

	private final RateLimiterRegistry registry;

	private final ConcurrencyLimitRegistry concurrencyLimits;

	/**
	 * An endpoint of rate limiters alone.
	 * @param registry the limiters to describe
	 */
	public LionherdEndpoint(RateLimiterRegistry registry) {
		this(registry, new ConcurrencyLimitRegistry());
	}

	/**
	 * @param registry the rate limiters to describe
	 * @param concurrencyLimits the concurrency limits to describe
	 */
	public LionherdEndpoint(RateLimiterRegistry registry, ConcurrencyLimitRegistry concurrencyLimits) {
		this.registry = Objects.requireNonNull(registry, "registry must not be null");
		this.concurrencyLimits = Objects.requireNonNull(concurrencyLimits, "concurrencyLimits must not be null");
	}

	/**
	 * Every named limiter and concurrency limit, each kind in name order.
	 * @return the limiters
	 */
	@ReadOperation
	public LionherdDescriptor lionherd() {
		return new LionherdDescriptor(
				this.registry.all()
					.stream()
					.sorted(Comparator.comparing(RateLimiter::name))
					.map(this::describe)
					.toList(),
				this.concurrencyLimits.all()
					.stream()
					.sorted(Comparator.comparing(ConcurrencyLimit::name))
					.map(CapacityLimiterDescriptor::of)
					.toList());
	}

	/**
	 * One named limiter or concurrency limit.
	 * @param kind the kind: {@code ratelimiters} or {@code capacitylimiters}
	 * @param name its name
	 * @return a {@link RateLimiterDescriptor} or a {@link CapacityLimiterDescriptor}, or
	 * {@code null} (HTTP 404) if there is none of that kind and name
	 */
	@ReadOperation
	public @Nullable OperationResponseBody limiter(@Selector String kind, @Selector String name) {
		return switch (kind) {
			case RATE_LIMITERS -> rateLimiter(name);
			case CAPACITY_LIMITERS -> capacityLimiter(name);
			default -> null;
		};
	}

	/**
	 * One named rate limiter.
	 * @param name its name
	 * @return the limiter, or {@code null} if there is none of that name
	 */
	public @Nullable RateLimiterDescriptor rateLimiter(String name) {
		return this.registry.find(name).map(this::describe).orElse(null);
	}

	/**
	 * One named concurrency limit.
	 * @param name its name
	 * @return the limit, or {@code null} if there is none of that name
	 */
	public @Nullable CapacityLimiterDescriptor capacityLimiter(String name) {
		return this.concurrencyLimits.find(name).map(CapacityLimiterDescriptor::of).orElse(null);
	}

	private RateLimiterDescriptor describe(RateLimiter limiter) {
		return RateLimiterDescriptor.of(limiter, this.registry.keyCount(limiter.name()));
	}

	/**
	 * The answer of {@code GET /actuator/lionherd}.
	 *
	 * @param rateLimiters the limiters, in name order
	 * @param capacityLimiters the concurrency limits, in name order
	 */
	public record LionherdDescriptor(List<RateLimiterDescriptor> rateLimiters,
			List<CapacityLimiterDescriptor> capacityLimiters) implements OperationResponseBody {

	}

	/**
	 * One concurrency limit.
	 *
	 * @param name its name in the registry
	 * @param backend {@code local} (in memory), {@code redis}, or the name of another
	 * backend
	 * @param total the most permits held at once (calls running at once)
	 * @param inUse the permits held now (for a shared limit: by every instance, as its
	 * backend last reported)
	 * @param available the permits free now, {@code max(0, total - inUse)}
	 * @param waiting the acquires of this instance waiting now
	 * @param timeout how long an acquire waits, as {@link java.time.Duration#toString()},
	 * or {@code null} for as long as it takes
	 * @param lease how long a shared permit outlives its holder's last renewal, as
	 * {@link java.time.Duration#toString()} (unused in memory)
	 */
	public record CapacityLimiterDescriptor(String name, String backend, int total, int inUse, int available,
			int waiting, @Nullable String timeout, String lease) implements OperationResponseBody {

		static CapacityLimiterDescriptor of(ConcurrencyLimit limit) {
			ConcurrencyLimitConfig config = limit.config();
			return new CapacityLimiterDescriptor(limit.name(), limit.backend(), config.total(), limit.inUse(),
					limit.available(), limit.waitingCount(),
					(config.timeout() != null) ? config.timeout().toString() : null, config.lease().toString());
		}

	}

	/**
	 * One limiter.
	 *
	 * @param name its name in the registry
	 * @param backend {@code local} (in memory), {@code redis}, or the name of another
	 * backend
	 * @param maxCalls the first limit's {@code max}: for a limiter of one limit, the most
	 * permits granted in any window of {@code period} (see {@code limits} for all)
	 * @param period the first limit's window length, as
	 * {@link java.time.Duration#toString()} (e.g. {@code PT0.5S})
	 * @param limits every limit, in the configured order
	 * @param availablePermits the permits grantable now: the room of the tightest
	 * permits-limit, or with calls-limits only their room in calls (for a distributed
	 * limiter: as last reported by its backend); the named limiter's own, not its keys'
	 * @param waiting the acquires of this instance waiting now for the named limiter
	 * itself (not for its keys)
	 * @param keys the client keys of this limiter live in this instance now (each with
	 * its own windows), at most its {@code max-keys}
	 */
	public record RateLimiterDescriptor(String name, String backend, int maxCalls, String period,
			List<LimitDescriptor> limits, int availablePermits, int waiting,
			int keys) implements OperationResponseBody {

		static RateLimiterDescriptor of(RateLimiter limiter, int keys) {
			RateLimiterConfig config = limiter.config();
			return new RateLimiterDescriptor(limiter.name(), limiter.backend(), config.maxCalls(),
					config.period().toString(), config.limits().stream().map(LimitDescriptor::of).toList(),
					limiter.availablePermits(), limiter.waitingCount(), keys);
		}

	}

	/**
	 * One limit of a limiter.
	 *
	 * @param max the most counted in any window of {@code period}
	 * @param period the window's length, as {@link java.time.Duration#toString()}
	 * @param counts {@code permits} (the permits each request asks for) or {@code calls}
	 * (1 per request), as the {@code counts} property spells it
	 */
	public record LimitDescriptor(long max, String period, String counts) {

		static LimitDescriptor of(Limit limit) {
			return new LimitDescriptor(limit.max(), limit.period().toString(),
					limit.countsCalls() ? "calls" : "permits");
		}

	}

}
