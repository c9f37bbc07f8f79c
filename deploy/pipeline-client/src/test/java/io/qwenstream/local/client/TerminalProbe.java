package io.qwenstream.local.client;

/** Says what {@link StreamPrinter#onTerminal()} sees in a JVM started with its output redirected. */
public final class TerminalProbe {

    private TerminalProbe() {}

    public static void main(String[] args) {
        System.out.println("on terminal: " + StreamPrinter.onTerminal());
    }
}
