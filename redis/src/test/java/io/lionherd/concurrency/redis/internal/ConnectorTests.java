package io.lionherd.concurrency.redis.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lionherd.concurrency.ratelimit.redis.RedisServerExtension;
import io.lionherd.concurrency.ratelimit.redis.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@link Connector} stopped while it is still opening its connection (the application
 * stops right after a first use): the connection it opens is closed before the stop
 * returns, so before the client that owns it shuts down, not after (Lettuce warns about a
 * connection closed twice).
 */
@ExtendWith(RedisServerExtension.class)
class ConnectorTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final ExecutorService opener = Executors.newSingleThreadExecutor();

	private final ExecutorService stopper = Executors.newSingleThreadExecutor();

	private final CountDownLatch opening = new CountDownLatch(1);

	private final CountDownLatch proceed = new CountDownLatch(1);

	private final AtomicReference<StatefulRedisConnection<String, String>> opened = new AtomicReference<>();

	private RedisClient client;

	private Connector connector;

	@BeforeEach
	void setUp(RedisServerProcess server) {
		this.client = RedisClient.create(server.uri());
		this.connector = new Connector(() -> {
			this.opening.countDown();
			awaitQuietly(this.proceed);
			StatefulRedisConnection<String, String> connection = this.client.connect(StringCodec.UTF8);
			this.opened.set(connection);
			return connection;
		}, (connection) -> ((StatefulRedisConnection<String, String>) connection).async(), this.opener);
	}

	@AfterEach
	void tearDown() {
		this.proceed.countDown();
		this.opener.shutdownNow();
		this.stopper.shutdownNow();
		this.client.shutdown();
	}

	@Test
	void aDisconnectWhileTheConnectionOpensClosesItBeforeReturning() throws Exception {
		assertThat(stopWhileOpening(this.connector::disconnect)).succeedsWithin(WAIT);
		assertThat(this.opened.get().isOpen()).isFalse();
	}

	@Test
	void aCloseWhileTheConnectionOpensClosesItBeforeReturning() throws Exception {
		assertThat(stopWhileOpening(this.connector::close)).succeedsWithin(WAIT);
		assertThat(this.opened.get().isOpen()).isFalse();
	}

	@Test
	void theNextUseAfterADisconnectOpensANewConnection() throws Exception {
		assertThat(stopWhileOpening(this.connector::disconnect)).succeedsWithin(WAIT);
		StatefulRedisConnection<String, String> first = this.opened.get();
		assertThat(this.connector.commands()).succeedsWithin(WAIT);
		assertThat(this.opened.get()).isNotSameAs(first);
		assertThat(this.opened.get().isOpen()).isTrue();
	}

	private CompletableFuture<Void> stopWhileOpening(Runnable stop) throws InterruptedException {
		this.connector.commands();
		this.opening.await();
		CompletableFuture<Void> stopped = CompletableFuture.runAsync(stop, this.stopper);
		// The stop waits for the opening under way.
		await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> !stopped.isDone());
		this.proceed.countDown();
		return stopped;
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
