package io.qwenstream.local;

import io.qwenstream.local.client.LauncherException;

/** Waits of the launcher's verbs: an interrupt ends the verb (a LauncherException), with the flag kept. */
final class Interruptibly {

    private Interruptibly() {}

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted");
        }
    }

    static void join(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted");
        }
    }
}
