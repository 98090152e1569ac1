package io.lionherd.concurrency.autoconfigure;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A Redis backend (the rate limiters', the concurrency limits') on connections of the
 * client of the application's {@link LettuceConnectionFactory}, which shuts that client
 * down when the context stops: so the backend disconnects just before (a lifecycle phase
 * above the connection factory's; no Lettuce warning or Netty error at shutdown), opens
 * its connections again on the next use after a restart, and closes them for good when
 * the context is closed.
 */
abstract class LettuceBackendLifecycle implements SmartLifecycle, DisposableBean {

	private final int phase;

	private volatile boolean running;

	/**
	 * @param connectionFactoryPhase the connection factory's lifecycle phase
	 */
	LettuceBackendLifecycle(int connectionFactoryPhase) {
		// Higher phases stop first.
		this.phase = (connectionFactoryPhase == Integer.MAX_VALUE) ? connectionFactoryPhase
				: connectionFactoryPhase + 1;
	}

	/** Closes the connections; the next use opens new ones. */
	abstract void disconnect();

	/** Closes the connections for good. */
	abstract void close();

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		disconnect();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return this.phase;
	}

	@Override
	public void destroy() {
		close();
	}

	/** A connection of the application's own Lettuce client, Cluster or standalone. */
	static StatefulConnection<String, String> connect(LettuceConnectionFactory connectionFactory) {
		AbstractRedisClient client = nativeClient(connectionFactory);
		return (client instanceof RedisClusterClient cluster) ? cluster.connect(StringCodec.UTF8)
				: ((RedisClient) client).connect(StringCodec.UTF8);
	}

	/** A pub/sub connection of the application's own Lettuce client. */
	static StatefulRedisPubSubConnection<String, String> connectPubSub(LettuceConnectionFactory connectionFactory) {
		AbstractRedisClient client = nativeClient(connectionFactory);
		return (client instanceof RedisClusterClient cluster) ? cluster.connectPubSub(StringCodec.UTF8)
				: ((RedisClient) client).connectPubSub(StringCodec.UTF8);
	}

	private static AbstractRedisClient nativeClient(LettuceConnectionFactory connectionFactory) {
		if (!connectionFactory.isRunning()) {
			connectionFactory.start();
		}
		AbstractRedisClient client = connectionFactory.getNativeClient();
		if (client instanceof RedisClusterClient || client instanceof RedisClient) {
			return client;
		}
		throw new IllegalStateException("Unsupported Lettuce client " + client);
	}

}
