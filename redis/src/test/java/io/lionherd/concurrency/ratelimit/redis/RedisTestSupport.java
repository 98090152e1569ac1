package io.lionherd.concurrency.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

/**
 * Clients, factories and a grant log on one {@link RedisServerProcess}, closed together.
 */
public final class RedisTestSupport implements AutoCloseable {

	final RedisServerProcess server;

	/** Keys of this instance alone. */
	final String keyPrefix = "test:" + UUID.randomUUID() + ":";

	/** Every grant handed to a caller, with its server time. */
	final ConcurrentLinkedQueue<Long> grantTimes = new ConcurrentLinkedQueue<>();

	/**
	 * Every grant handed to a caller: its instant on the server's clock and its permits.
	 */
	final ConcurrentLinkedQueue<Grant> grants = new ConcurrentLinkedQueue<>();

	private final List<AutoCloseable> resources = new ArrayList<>();

	private final GrantLog log = (limiter, serverMicros, permits) -> {
		this.grantTimes.add(serverMicros);
		this.grants.add(new Grant(limiter.name(), serverMicros, permits));
	};

	RedisTestSupport(RedisServerProcess server) {
		this.server = server;
	}

	/** A factory on a connection of its own. */
	RedisRateLimiterFactory.Builder factory() {
		RedisClient client = RedisClient.create(this.server.uri());
		this.resources.add(client::shutdown);
		return RedisRateLimiterFactory.builder(client).keyPrefix(this.keyPrefix).grantLog(this.log);
	}

	RedisRateLimiterFactory build(RedisRateLimiterFactory.Builder builder) {
		RedisRateLimiterFactory factory = builder.build();
		this.resources.add(0, factory);
		return factory;
	}

	/** Plain commands, to look at the server. */
	RedisCommands<String, String> redis() {
		RedisClient client = RedisClient.create(this.server.uri());
		StatefulRedisConnection<String, String> connection = client.connect();
		this.resources.add(client::shutdown);
		return connection.sync();
	}

	/**
	 * Holds every write of other clients, script calls included (EVAL and EVALSHA are
	 * writes), until {@link #unpause} or for at most {@code millis}; reads and
	 * {@code CLIENT UNPAUSE} go on.
	 * @param commands a connection to the server
	 * @param millis the longest hold
	 */
	public static void pauseWrites(RedisCommands<String, String> commands, long millis) {
		commands.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
				new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(millis).add("WRITE"));
	}

	/**
	 * Ends a {@link #pauseWrites} hold.
	 * @param commands a connection to the server
	 */
	public static void unpause(RedisCommands<String, String> commands) {
		commands.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
				new CommandArgs<>(StringCodec.UTF8).add("UNPAUSE"));
	}

	/**
	 * What a limit's log holds, on the server's clock: the sum of the weights of its
	 * entries in the window ending now, and of those after now (reservations).
	 * @return {server time in microseconds, in the window, ahead}
	 */
	static long[] look(RedisCommands<String, String> commands, String logKey, Duration period) {
		List<Object> look = commands.eval("""
				local t = redis.call('TIME')
				local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
				local inWindow, ahead = 0, 0
				local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
				for i = 1, #entries, 2 do
				  local weight = tonumber(string.match(entries[i], ':(%d+)$'))
				  local at = tonumber(entries[i + 1])
				  if at > now then
				    ahead = ahead + weight
				  elseif at > now - tonumber(ARGV[1]) then
				    inWindow = inWindow + weight
				  end
				end
				return {now, inWindow, ahead}
				""", ScriptOutputType.MULTI, new String[] { logKey }, Long.toString(period.toNanos() / 1000));
		return new long[] { (Long) look.get(0), (Long) look.get(1), (Long) look.get(2) };
	}

	/**
	 * How many times the server ran a command, from {@code INFO commandstats}.
	 * @param command e.g. {@code evalsha}
	 */
	public static long commandCalls(RedisCommands<String, String> commands, String command) {
		String prefix = "cmdstat_" + command + ":calls=";
		for (String line : commands.info("commandstats").split("\r?\n")) {
			if (line.startsWith(prefix)) {
				return Long.parseLong(line.substring(prefix.length(), line.indexOf(',')));
			}
		}
		return 0;
	}

	List<Long> sortedGrantTimes() {
		List<Long> times = new ArrayList<>(this.grantTimes);
		Collections.sort(times);
		return times;
	}

	/**
	 * How many windows of {@code period} hold more than {@code maxCalls} of the given
	 * grant times.
	 */
	static int windowsOverLimit(List<Long> sortedMicros, int maxCalls, Duration period) {
		long periodMicros = period.toNanos() / 1000;
		int over = 0;
		for (int i = 0; i + maxCalls < sortedMicros.size(); i++) {
			// maxCalls + 1 grants inside (t - period, t]
			if (sortedMicros.get(i + maxCalls) - sortedMicros.get(i) < periodMicros) {
				over++;
			}
		}
		return over;
	}

	/** A grant as the limiter handed it, with its instant on the server's clock. */
	record Grant(String limiter, long micros, long permits) {

	}

	@Override
	public void close() throws Exception {
		for (AutoCloseable resource : this.resources) {
			resource.close();
		}
	}

}
