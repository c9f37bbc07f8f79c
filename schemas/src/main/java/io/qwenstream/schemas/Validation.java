package io.qwenstream.schemas;

/**
 * The outcome of validating a record: either {@link Valid} with the parsed message, or {@link Invalid} with
 * the one error to report. Switch on it, or use {@link #isValid()}, {@link #value()} and {@link #error()}.
 */
public sealed interface Validation<T> {

    record Valid<T>(T value) implements Validation<T> {}

    record Invalid<T>(ErrorDetail error) implements Validation<T> {}

    default boolean isValid() {
        return this instanceof Valid;
    }

    /** The parsed message; throws {@link IllegalStateException} on an invalid one. */
    default T value() {
        throw new IllegalStateException("invalid message: " + error());
    }

    /** The error; throws {@link IllegalStateException} on a valid message. */
    default ErrorDetail error() {
        throw new IllegalStateException("the message is valid");
    }
}
