package io.lionherd.concurrency.capacity.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitConfig;
import io.lionherd.concurrency.capacity.ConcurrencyLimitListener;
import io.lionherd.concurrency.ratelimit.redis.RedisServerProcess;

/**
 * Factories (each on connections of its own, as another instance would be), a look at the
 * server and a log of every hold, on one {@link RedisServerProcess}, closed together.
 */
final class CapacityTestSupport implements AutoCloseable {

	final RedisServerProcess server;

	/** Keys of this test alone. */
	final String keyPrefix = "test:" + UUID.randomUUID() + ":";

	/** Every grant and release, as the server decided them. */
	final ConcurrentLinkedQueue<String> holds = new ConcurrentLinkedQueue<>();

	private final List<AutoCloseable> resources = new ArrayList<>();

	private final HolderLog log = new HolderLog() {

		@Override
		public void granted(String limit, String id, long serverMicros) {
			CapacityTestSupport.this.holds.add("granted " + id);
		}

		@Override
		public void released(String limit, String id, long serverMicros, boolean held) {
			CapacityTestSupport.this.holds.add("released " + id + (held ? "" : " (lease ended)"));
		}

	};

	CapacityTestSupport(RedisServerProcess server) {
		this.server = server;
	}

	/** A factory on connections of its own: another instance. */
	RedisConcurrencyLimitFactory.Builder factory() {
		RedisClient client = RedisClient.create(this.server.uri());
		this.resources.add(client::shutdown);
		return RedisConcurrencyLimitFactory.builder(client).keyPrefix(this.keyPrefix).holderLog(this.log);
	}

	RedisConcurrencyLimitFactory build(RedisConcurrencyLimitFactory.Builder builder) {
		RedisConcurrencyLimitFactory factory = builder.build();
		this.resources.add(0, factory);
		return factory;
	}

	ConcurrencyLimit limit(RedisConcurrencyLimitFactory factory, String name, int total, Duration lease) {
		return factory.create(name, ConcurrencyLimitConfig.of(total).withLease(lease), ConcurrencyLimitListener.none());
	}

	/** Plain commands, to look at the server. */
	RedisCommands<String, String> redis() {
		RedisClient client = RedisClient.create(this.server.uri());
		StatefulRedisConnection<String, String> connection = client.connect();
		this.resources.add(client::shutdown);
		return connection.sync();
	}

	/** The key of a limit's holders. */
	String key(String name) {
		return this.keyPrefix + "{" + name + "}";
	}

	@Override
	public void close() throws Exception {
		for (AutoCloseable resource : this.resources) {
			resource.close();
		}
	}

}
