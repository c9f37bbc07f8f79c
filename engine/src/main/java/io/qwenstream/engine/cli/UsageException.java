package io.qwenstream.engine.cli;

/** Bad input from the user: printed as one line on stderr, exit status 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
