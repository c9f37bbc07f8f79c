package io.qwenstream.engine;

/** Receives each generated token as it is produced; {@code text} is the newly completed UTF-8 text. */
@FunctionalInterface
public interface TokenListener {
    void onToken(int id, String text, Phase phase);

    TokenListener NONE = (id, text, phase) -> {};
}
