package io.lionherd.concurrency.ratelimit;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.ManualTime;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link RateLimiterRegistry}.
 */
class RateLimiterRegistryTests {

	private static final Duration PERIOD = Duration.ofSeconds(1);

	private final ManualTime time = new ManualTime();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final AsyncUtils asyncUtils = AsyncUtils.builder()
		.executor(ManualTime.DIRECT)
		.wakeUpExecutor(ManualTime.DIRECT)
		.ticker(this.time)
		.scheduler(this.time)
		.meterRegistry(this.meters)
		.build();

	@Test
	void getReturnsTheLimiterConfiguredUnderTheName() {
		RateLimiterRegistry registry = registry();
		RateLimiter github = registry.get("github");
		assertThat(github.tryAcquire()).isTrue();
		assertThat(github.tryAcquire()).isFalse();
		RateLimiter search = registry.get("search");
		assertThat(search.tryAcquire()).isTrue();
		assertThat(search.tryAcquire()).isTrue();
		assertThat(search.tryAcquire()).isTrue();
		assertThat(search.tryAcquire()).isFalse();
		assertThat(registry.get("github")).isSameAs(github);
	}

	@Test
	void limitersUseTheClockAndTimerOfTheAsyncUtils() {
		RateLimiter github = registry().get("github");
		github.tryAcquire();
		CompletableFuture<Void> waiter = github.acquire();
		this.time.advance(PERIOD.minusNanos(1));
		assertThat(waiter).isNotDone();
		this.time.advanceNanos(1);
		assertThat(waiter).isCompleted();
	}

	@Test
	void limitersArePublishedUnderTheirNames() {
		RateLimiterRegistry registry = registry();
		registry.get("github").tryAcquire();
		assertThat(this.meters.get("lionherd.ratelimiter.wait").tag("name", "github").timer().count()).isOne();
		assertThat(this.meters.get("lionherd.ratelimiter.available").tag("name", "search").gauge().value())
			.isEqualTo(3);
	}

	@Test
	void namesAreTheConfiguredOnesInConfigurationOrder() {
		assertThat(registry().names()).containsExactly("github", "search");
	}

	@Test
	void unknownNameFailsWithAMessageListingTheKnownNames() {
		RateLimiterRegistry registry = registry();
		assertThatIllegalArgumentException().isThrownBy(() -> registry.get("gitlab"))
			.withMessage("No rate limiter named 'gitlab'; known rate limiters: [github, search]");
	}

	@Test
	void emptyRegistryTellsThatNoLimiterIsKnown() {
		RateLimiterRegistry registry = new RateLimiterRegistry(this.asyncUtils, Map.of());
		assertThat(registry.names()).isEmpty();
		assertThatIllegalArgumentException().isThrownBy(() -> registry.get("github"))
			.withMessage("No rate limiter named 'github'; known rate limiters: []");
	}

	@Test
	void blankNameIsRejected() {
		Map<String, RateLimiterRegistry.Spec> specs = Map.of(" ", new RateLimiterRegistry.Spec(1, PERIOD));
		assertThatIllegalArgumentException().isThrownBy(() -> new RateLimiterRegistry(this.asyncUtils, specs))
			.withMessage("Rate limiter names must not be blank, but was ' '");
	}

	@Test
	void specRejectsZeroMaxCalls() {
		assertThatIllegalArgumentException().isThrownBy(() -> new RateLimiterRegistry.Spec(0, PERIOD))
			.withMessage("maxCalls must be at least 1, but was 0");
	}

	@Test
	void specRejectsNonPositivePeriod() {
		assertThatIllegalArgumentException().isThrownBy(() -> new RateLimiterRegistry.Spec(1, Duration.ZERO))
			.withMessage("period must be positive, but was PT0S");
		assertThatNullPointerException().isThrownBy(() -> new RateLimiterRegistry.Spec(1, null))
			.withMessage("period must not be null");
	}

	@Test
	void namesCannotBeChanged() {
		RateLimiterRegistry registry = registry();
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> registry.names().remove("github"));
	}

	private RateLimiterRegistry registry() {
		Map<String, RateLimiterRegistry.Spec> specs = new LinkedHashMap<>();
		specs.put("github", new RateLimiterRegistry.Spec(1, PERIOD));
		specs.put("search", new RateLimiterRegistry.Spec(3, PERIOD));
		return new RateLimiterRegistry(this.asyncUtils, specs);
	}

}
