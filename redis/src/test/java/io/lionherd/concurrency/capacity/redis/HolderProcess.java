package io.lionherd.concurrency.capacity.redis;

import java.time.Duration;
import java.util.concurrent.CompletionException;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.lettuce.core.RedisClient;
import io.lionherd.concurrency.CapacityLimiter;
import io.lionherd.concurrency.capacity.ConcurrencyLimit;
import io.lionherd.concurrency.capacity.ConcurrencyLimitConfig;
import io.lionherd.concurrency.capacity.ConcurrencyLimitListener;
import org.slf4j.LoggerFactory;

/**
 * One instance of an application sharing a Redis concurrency limit, run as a process of
 * its own by {@link RedisConcurrencyLimitCrashTests}: {@code workers} threads each
 * acquire a permit, hold it {@code holdMillis} (forever if negative) and release it, over
 * and over. Every grant and release is printed as the server decided it:
 * {@code HOLD granted <id> <server micros>}, {@code HOLD released <id> <server micros>
 * <held>}.
 */
public final class HolderProcess {

	private HolderProcess() {
	}

	/**
	 * @param args the Redis URI, the key prefix, the limit's name, its total, its lease
	 * in milliseconds, the workers, the hold in milliseconds
	 */
	public static void main(String[] args) throws Exception {
		((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
		String uri = args[0];
		String keyPrefix = args[1];
		String name = args[2];
		int total = Integer.parseInt(args[3]);
		Duration lease = Duration.ofMillis(Long.parseLong(args[4]));
		int workers = Integer.parseInt(args[5]);
		long holdMillis = Long.parseLong(args[6]);
		RedisClient client = RedisClient.create(uri);
		RedisConcurrencyLimitFactory factory = RedisConcurrencyLimitFactory.builder(client)
			.keyPrefix(keyPrefix)
			.commandTimeout(Duration.ofSeconds(10))
			.holderLog(new HolderLog() {

				@Override
				public void granted(String limit, String id, long serverMicros) {
					print("HOLD granted " + id + " " + serverMicros);
				}

				@Override
				public void released(String limit, String id, long serverMicros, boolean held) {
					print("HOLD released " + id + " " + serverMicros + " " + held);
				}

			})
			.build();
		ConcurrencyLimit limit = factory.create(name, ConcurrencyLimitConfig.of(total).withLease(lease),
				ConcurrencyLimitListener.none());
		for (int i = 0; i < workers; i++) {
			Thread worker = new Thread(() -> {
				try {
					while (true) {
						CapacityLimiter.Permit permit;
						try {
							permit = limit.acquire().join();
						}
						catch (CompletionException ex) {
							// A cold start may take longer than the command timeout:
							// again.
							continue;
						}
						if (holdMillis < 0) {
							return;
						}
						Thread.sleep(holdMillis);
						permit.close();
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			worker.start();
		}
		// Until killed, or until the test closes stdin.
		while (System.in.read() >= 0) {
			// Nothing to read.
		}
		factory.close();
		client.shutdown();
		System.exit(0);
	}

	private static synchronized void print(String line) {
		System.out.println(line);
		System.out.flush();
	}

}
