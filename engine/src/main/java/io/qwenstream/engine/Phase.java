package io.qwenstream.engine;

/** Whether a generated token belongs to the reasoning (inside {@code <think>…</think>}) or the answer. */
public enum Phase {
    THINKING,
    ANSWER
}
