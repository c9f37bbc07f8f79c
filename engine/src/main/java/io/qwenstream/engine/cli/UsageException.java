package io.qwenstream.engine.cli;

/** Bad input from the user: printed as one line on stderr, exit status 2. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
