package io.lionherd.concurrency.capacity;

import java.util.ArrayList;
import java.util.List;

import io.lionherd.concurrency.ManualTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ConcurrencyLimitRegistry}: one limit per name, created once by its
 * factory, and listeners that see every limit.
 */
class ConcurrencyLimitRegistryTests {

	private final ManualTime time = new ManualTime();

	private final ConcurrencyLimitFactory inMemory = ConcurrencyLimitFactory.inMemory(this.time, this.time,
			ManualTime.DIRECT);

	private final ConcurrencyLimitRegistry limits = new ConcurrencyLimitRegistry(this.inMemory);

	private final List<String> events = new ArrayList<>();

	private final ConcurrencyLimitListener recorder = new ConcurrencyLimitListener() {

		@Override
		public void added(ConcurrencyLimit limit) {
			ConcurrencyLimitRegistryTests.this.events.add("added " + limit.name());
		}

		@Override
		public void acquired(ConcurrencyLimit limit, long waitNanos) {
			ConcurrencyLimitRegistryTests.this.events.add("acquired " + limit.name());
		}

		@Override
		public void rejected(ConcurrencyLimit limit) {
			ConcurrencyLimitRegistryTests.this.events.add("rejected " + limit.name());
		}

		@Override
		public void backendError(ConcurrencyLimit limit, Throwable error) {
			ConcurrencyLimitRegistryTests.this.events.add("backendError " + limit.name() + " " + error.getMessage());
		}

	};

	@Test
	void aNameMapsToOneLimitCreatedOnFirstRequest() {
		ConcurrencyLimit first = this.limits.concurrencyLimit("provider", ConcurrencyLimitConfig.of(2));
		ConcurrencyLimit again = this.limits.concurrencyLimit("provider", ConcurrencyLimitConfig.of(2));
		assertThat(again).isSameAs(first);
		assertThat(this.limits.get("provider")).isSameAs(first);
		assertThat(first.name()).isEqualTo("provider");
		assertThat(first.backend()).isEqualTo("local");
	}

	@Test
	void aSecondRequestWithAnotherConfigurationIsRejectedNamingBoth() {
		this.limits.concurrencyLimit("provider", ConcurrencyLimitConfig.of(2));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limits.concurrencyLimit("provider", ConcurrencyLimitConfig.of(3)))
			.withMessage("A concurrency limit named 'provider' already exists with " + ConcurrencyLimitConfig.of(2)
					+ ", not " + ConcurrencyLimitConfig.of(3));
	}

	@Test
	void anExistingLimitIsReturnedWhateverFactoryIsGiven() {
		ConcurrencyLimit local = this.limits.concurrencyLimit("provider", ConcurrencyLimitConfig.of(2));
		ConcurrencyLimitFactory never = (name, config, listener) -> {
			throw new AssertionError("must not create");
		};
		assertThat(this.limits.concurrencyLimit("provider", ConcurrencyLimitConfig.of(2), never)).isSameAs(local);
	}

	@Test
	void aLimitIsCreatedByTheFactoryGivenWithTheRegistrysListener() {
		List<ConcurrencyLimitListener> given = new ArrayList<>();
		ConcurrencyLimitFactory factory = (name, config, listener) -> {
			given.add(listener);
			return this.inMemory.create(name, config, listener);
		};
		this.limits.addListener(this.recorder);
		ConcurrencyLimit limit = this.limits.concurrencyLimit("shared", ConcurrencyLimitConfig.of(1), factory);
		assertThat(given).hasSize(1);
		given.get(0).backendError(limit, new IllegalStateException("unreachable"));
		assertThat(this.events).containsExactly("added shared", "backendError shared unreachable");
	}

	@Test
	void aBlankNameIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.limits.concurrencyLimit(" ", ConcurrencyLimitConfig.of(1)))
			.withMessage("name must not be blank, but was ' '");
	}

	@Test
	void aNullNameIsRejected() {
		assertThatExceptionOfType(NullPointerException.class)
			.isThrownBy(() -> this.limits.concurrencyLimit(null, ConcurrencyLimitConfig.of(1)))
			.withMessage("name must not be null");
	}

	@Test
	void aFactoryThatReturnsNullIsRejectedAndNothingIsRegistered() {
		assertThatExceptionOfType(NullPointerException.class)
			.isThrownBy(() -> this.limits.concurrencyLimit("provider", ConcurrencyLimitConfig.of(1),
					(name, config, listener) -> null))
			.withMessage("limit created by factory must not be null");
		assertThat(this.limits.find("provider")).isEmpty();
	}

	@Test
	void getOfAnUnknownNameListsTheKnownNames() {
		this.limits.concurrencyLimit("provider", ConcurrencyLimitConfig.of(1));
		this.limits.concurrencyLimit("search", ConcurrencyLimitConfig.of(1));
		assertThatIllegalArgumentException().isThrownBy(() -> this.limits.get("payments"))
			.withMessage("No concurrency limit named 'payments'; known concurrency limits: [provider, search]");
	}

	@Test
	void findOfAnUnknownNameIsEmpty() {
		assertThat(this.limits.find("payments")).isEmpty();
	}

	@Test
	void namesAndAllAreInCreationOrder() {
		ConcurrencyLimit b = this.limits.concurrencyLimit("b", ConcurrencyLimitConfig.of(1));
		ConcurrencyLimit a = this.limits.concurrencyLimit("a", ConcurrencyLimitConfig.of(1));
		assertThat(this.limits.names()).containsExactly("b", "a");
		assertThat(this.limits.all()).containsExactly(b, a);
		assertThat(this.limits).hasToString("ConcurrencyLimitRegistry[b, a]");
	}

	@Test
	void aListenerIsToldOfTheLimitsThereAndOfThoseCreatedLater() {
		this.limits.concurrencyLimit("before", ConcurrencyLimitConfig.of(1));
		this.limits.addListener(this.recorder);
		this.limits.concurrencyLimit("after", ConcurrencyLimitConfig.of(1));
		assertThat(this.events).containsExactly("added before", "added after");
	}

	@Test
	void aListenerSeesTheGrantsAndRejectionsOfLimitsCreatedBeforeAndAfterIt() {
		ConcurrencyLimit before = this.limits.concurrencyLimit("before", ConcurrencyLimitConfig.of(1));
		this.limits.addListener(this.recorder);
		ConcurrencyLimit after = this.limits.concurrencyLimit("after", ConcurrencyLimitConfig.of(1));
		before.acquire().join();
		before.acquire(java.time.Duration.ZERO);
		after.acquire().join();
		assertThat(this.events).containsExactly("added before", "added after", "acquired before", "rejected before",
				"acquired after");
	}

	@Test
	void aListenerSeesNoEventOfALimitBeforeItIsToldTheLimitWasAdded() {
		ConcurrencyLimit limit = this.limits.concurrencyLimit("provider", ConcurrencyLimitConfig.of(1));
		this.limits.addListener(new ConcurrencyLimitListener() {

			@Override
			public void added(ConcurrencyLimit added) {
				// A grant made while the listener is being registered, as by another
				// thread.
				added.acquire().join();
				ConcurrencyLimitRegistryTests.this.events.add("added " + added.name());
			}

			@Override
			public void acquired(ConcurrencyLimit acquired, long waitNanos) {
				ConcurrencyLimitRegistryTests.this.events.add("acquired " + acquired.name());
			}

		});
		limit.acquire();
		assertThat(this.events).first().isEqualTo("added provider");
	}

	@Test
	void aListenerThatThrowsDoesNotStopTheOthers() {
		this.limits.addListener(new ConcurrencyLimitListener() {
			@Override
			public void added(ConcurrencyLimit limit) {
				throw new IllegalStateException("broken listener");
			}

			@Override
			public void acquired(ConcurrencyLimit limit, long waitNanos) {
				throw new IllegalStateException("broken listener");
			}
		});
		this.limits.addListener(this.recorder);
		ConcurrencyLimit limit = this.limits.concurrencyLimit("provider", ConcurrencyLimitConfig.of(1));
		limit.acquire().join();
		assertThat(this.events).containsExactly("added provider", "acquired provider");
	}

	@Test
	void aNullListenerIsRejected() {
		assertThatExceptionOfType(NullPointerException.class).isThrownBy(() -> this.limits.addListener(null))
			.withMessage("listener must not be null");
	}

}
