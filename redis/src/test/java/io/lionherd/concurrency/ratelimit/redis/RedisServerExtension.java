package io.lionherd.concurrency.ratelimit.redis;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One real Redis server shared by every test class that uses this extension, started
 * before the first and stopped when the test run ends. Test classes get it as a
 * {@link RedisServerProcess} parameter; each uses keys of its own.
 */
public final class RedisServerExtension implements BeforeAllCallback, ParameterResolver {

	private static final Namespace NAMESPACE = Namespace.create(RedisServerExtension.class);

	@Override
	public void beforeAll(ExtensionContext context) {
		server(context);
	}

	@Override
	public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
		return parameter.getParameter().getType() == RedisServerProcess.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
		return server(context);
	}

	private static RedisServerProcess server(ExtensionContext context) {
		return context.getRoot()
			.getStore(NAMESPACE)
			.getOrComputeIfAbsent(Server.class, (key) -> new Server(RedisServerProcess.start()), Server.class)
			.process();
	}

	/** Stopped by JUnit when the root context closes. */
	private record Server(RedisServerProcess process) implements ExtensionContext.Store.CloseableResource {

		@Override
		public void close() {
			this.process.close();
		}

	}

}
