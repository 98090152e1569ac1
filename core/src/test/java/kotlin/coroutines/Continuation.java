package kotlin.coroutines;

/**
 * Test-only stand-in for Kotlin's {@code kotlin.coroutines.Continuation}, so that the signature
 * of a compiled Kotlin {@code suspend} function (whose last parameter is a continuation) can be
 * declared in Java without Kotlin on the class path.
 *
 * @param <T> the type the suspended function resumes with
 */
public interface Continuation<T> {

}
