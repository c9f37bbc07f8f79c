package io.qwenstream.local.client;

/** A launcher failure that is not the user's arguments: not up, a timeout, a process that died. Exit 3. */
public final class LauncherException extends RuntimeException {
    public LauncherException(String message) {
        super(message);
    }

    public LauncherException(String message, Throwable cause) {
        super(message, cause);
    }
}
