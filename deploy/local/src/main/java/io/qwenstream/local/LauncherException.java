package io.qwenstream.local;

/** A launcher failure that is not the user's arguments: not up, a timeout, a process that died. Exit 3. */
final class LauncherException extends RuntimeException {
    LauncherException(String message) {
        super(message);
    }

    LauncherException(String message, Throwable cause) {
        super(message, cause);
    }
}
