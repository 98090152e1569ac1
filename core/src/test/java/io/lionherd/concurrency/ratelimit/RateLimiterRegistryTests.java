package io.lionherd.concurrency.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lionherd.concurrency.AsyncUtils;
import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link RateLimiterRegistry}.
 */
class RateLimiterRegistryTests {

	private static final Duration PERIOD = Duration.ofSeconds(1);

	private final ManualTime time = new ManualTime();

	private final AsyncUtils asyncUtils = this.time.configure(AsyncUtils.builder()).executor(ManualTime.DIRECT).build();

	private final RateLimiterRegistry registry = new RateLimiterRegistry(this.asyncUtils.rateLimiterFactory());

	@Test
	void getReturnsTheLimiterCreatedUnderTheName() {
		RateLimiter github = this.registry.rateLimiter("github", RateLimiterConfig.of(1, PERIOD));
		assertThat(this.registry.get("github")).isSameAs(github);
		assertThat(github.name()).isEqualTo("github");
		assertThat(github.config()).isEqualTo(RateLimiterConfig.of(1, PERIOD));
		assertThat(github.tryAcquire()).isTrue();
		assertThat(github.tryAcquire()).isFalse();
	}

	@Test
	void rateLimiterReturnsTheExistingLimiterForTheSameConfig() {
		RateLimiter first = this.registry.rateLimiter("github", RateLimiterConfig.of(1, PERIOD));
		assertThat(this.registry.rateLimiter("github", RateLimiterConfig.of(1, PERIOD))).isSameAs(first);
	}

	@Test
	void rateLimiterWithAnotherConfigForAnExistingNameFails() {
		this.registry.rateLimiter("github", RateLimiterConfig.of(1, PERIOD));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.registry.rateLimiter("github", RateLimiterConfig.of(2, PERIOD)))
			.withMessageContaining("'github' already exists")
			.withMessageContaining("maxCalls=1")
			.withMessageContaining("maxCalls=2");
	}

	@Test
	void limitersUseTheFactoryTheRegistryWasGiven() {
		RateLimiter github = this.registry.rateLimiter("github", RateLimiterConfig.of(1, PERIOD));
		github.tryAcquire();
		CompletableFuture<Void> waiter = github.acquire();
		this.time.advance(PERIOD.minusNanos(1));
		assertThat(waiter).isNotDone();
		this.time.advanceNanos(1);
		assertThat(waiter).isCompleted();
	}

	@Test
	void aBackendFactoryCreatesTheLimiterItIsGiven() {
		List<String> created = new ArrayList<>();
		RateLimiterFactory backend = (name, config, listener) -> {
			created.add(name);
			return this.asyncUtils.rateLimiterFactory().create(name, config, listener);
		};
		RateLimiter shared = this.registry.rateLimiter("shared", RateLimiterConfig.of(1, PERIOD), backend);
		assertThat(this.registry.rateLimiter("shared", RateLimiterConfig.of(1, PERIOD), backend)).isSameAs(shared);
		assertThat(created).containsExactly("shared");
	}

	@Test
	void allAndNamesAreInCreationOrder() {
		this.registry.rateLimiter("search", RateLimiterConfig.of(3, PERIOD));
		this.registry.rateLimiter("github", RateLimiterConfig.of(1, PERIOD));
		assertThat(this.registry.names()).containsExactly("search", "github");
		assertThat(this.registry.all()).extracting(RateLimiter::name).containsExactly("search", "github");
	}

	@Test
	void namesAndAllAreUnmodifiableSnapshots() {
		this.registry.rateLimiter("github", RateLimiterConfig.of(1, PERIOD));
		assertThat(this.registry.names()).isUnmodifiable();
		assertThat(this.registry.all()).isUnmodifiable();
	}

	@Test
	void unknownNameFailsWithAMessageListingTheKnownNames() {
		this.registry.rateLimiter("github", RateLimiterConfig.of(1, PERIOD));
		this.registry.rateLimiter("search", RateLimiterConfig.of(3, PERIOD));
		assertThatIllegalArgumentException().isThrownBy(() -> this.registry.get("gitlab"))
			.withMessage("No rate limiter named 'gitlab'; known rate limiters: [github, search]");
	}

	@Test
	void findReturnsTheLimiterOfAKnownName() {
		RateLimiter github = this.registry.rateLimiter("github", RateLimiterConfig.of(1, PERIOD));
		assertThat(this.registry.find("github")).containsSame(github);
	}

	@Test
	void findOfAnUnknownNameIsEmpty() {
		this.registry.rateLimiter("github", RateLimiterConfig.of(1, PERIOD));
		assertThat(this.registry.find("gitlab")).isEmpty();
	}

	@Test
	void blankNameIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.registry.rateLimiter(" ", RateLimiterConfig.of(1, PERIOD)))
			.withMessage("name must not be blank, but was ' '");
	}

	@Test
	void nullArgumentsAreRejectedByName() {
		assertThatNullPointerException()
			.isThrownBy(() -> this.registry.rateLimiter(null, RateLimiterConfig.of(1, PERIOD)))
			.withMessage("name must not be null");
		assertThatNullPointerException().isThrownBy(() -> this.registry.rateLimiter("github", null))
			.withMessage("config must not be null");
		assertThatNullPointerException().isThrownBy(() -> this.registry.addListener(null))
			.withMessage("listener must not be null");
		assertThatNullPointerException().isThrownBy(() -> this.registry.find(null))
			.withMessage("name must not be null");
	}

	@Test
	void listenersHearOfExistingAndLaterLimitersAndTheirEvents() {
		List<String> events = new ArrayList<>();
		this.registry.rateLimiter("github", RateLimiterConfig.of(1, PERIOD));
		this.registry.addListener(new RateLimiterListener() {

			@Override
			public void added(RateLimiter limiter) {
				events.add("added " + limiter.name());
			}

			@Override
			public void granted(RateLimiter limiter, long waitNanos) {
				events.add("granted " + limiter.name() + " after " + waitNanos);
			}

			@Override
			public void rejected(RateLimiter limiter) {
				events.add("rejected " + limiter.name());
			}

		});
		RateLimiter search = this.registry.rateLimiter("search", RateLimiterConfig.of(1, PERIOD));
		search.tryAcquire();
		search.tryAcquire();
		assertThat(events).containsExactly("added github", "added search", "granted search after 0", "rejected search");
	}

	@Test
	void aThrowingListenerNeitherFailsCallersNorSilencesOtherListeners() {
		List<String> heard = new ArrayList<>();
		this.registry.addListener(new RateLimiterListener() {

			@Override
			public void granted(RateLimiter limiter, long waitNanos) {
				throw new IllegalStateException("broken listener");
			}

		});
		this.registry.addListener(new RateLimiterListener() {

			@Override
			public void granted(RateLimiter limiter, long waitNanos) {
				heard.add(limiter.name());
			}

		});
		RateLimiter github = this.registry.rateLimiter("github", RateLimiterConfig.of(1, PERIOD));
		assertThat(github.tryAcquire()).isTrue();
		assertThat(heard).containsExactly("github");
	}

}
