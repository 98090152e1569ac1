package io.lionherd.concurrency.ratelimit.redis;

import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisReadOnlyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which failures of a call {@link Backend#isErrorReply} counts as a refusal of a server
 * that is there, and which as an outage ({@code on-backend-failure} applies).
 */
class BackendErrorReplyTests {

	@ParameterizedTest
	@ValueSource(strings = { "WRONGTYPE Operation against a key holding the wrong kind of value",
			"OOM command not allowed when used memory > 'maxmemory'.",
			"NOPERM this user has no permissions to run the 'evalsha' command or its subcommand",
			"ERR Error running script (call to f_1): @user_script:20: too many results to unpack" })
	void anErrorOfAServerThatIsThereIsAnErrorReply(String message) {
		assertThat(Backend.isErrorReply(new RedisCommandExecutionException(message))).isTrue();
	}

	@Test
	void aScriptTheServerStillDoesNotKnowIsAnErrorReply() {
		assertThat(Backend.isErrorReply(new RedisNoScriptException("NOSCRIPT No matching script."))).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
			"CLUSTERDOWN The cluster is down", "TRYAGAIN Multiple keys request during rehashing of slot",
			"LOADING Redis is loading the dataset in memory", "BUSY Redis is busy running a script." })
	void aServerThatCannotServeForNowIsAnOutage(String message) {
		assertThat(Backend.isErrorReply(new RedisCommandExecutionException(message))).isFalse();
	}

	@Test
	void lettucesExceptionsForServersThatCannotServeForNowAreOutages() {
		assertThat(Backend.isErrorReply(new RedisLoadingException("LOADING Redis is loading"))).isFalse();
		assertThat(Backend.isErrorReply(new RedisBusyException("BUSY Redis is busy"))).isFalse();
		assertThat(Backend.isErrorReply(new RedisReadOnlyException("READONLY You can't write against a replica.")))
			.isFalse();
	}

	@Test
	void noReplyIsAnOutage() {
		assertThat(Backend.isErrorReply(new RedisCommandTimeoutException("no answer"))).isFalse();
		assertThat(Backend.isErrorReply(new RedisConnectionException("Connection refused"))).isFalse();
		assertThat(Backend.isErrorReply(new IllegalStateException("The Redis rate limiters are closed"))).isFalse();
	}

}
