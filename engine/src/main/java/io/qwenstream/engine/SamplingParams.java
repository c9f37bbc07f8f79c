package io.qwenstream.engine;

/**
 * How the next token is chosen. {@code topK <= 0} and {@code topP >= 1} and {@code minP <= 0}
 * disable those filters; {@code greedy} takes the arg-max and ignores the rest but the penalty.
 */
public record SamplingParams(
        float temperature, float topP, int topK, float minP, float presencePenalty, long seed, boolean greedy) {

    public SamplingParams {
        check(temperature >= 0 && Float.isFinite(temperature), "temperature must be >= 0, got " + temperature);
        check(topP > 0 && topP <= 1, "top_p must be in (0, 1], got " + topP);
        check(minP >= 0 && minP <= 1, "min_p must be in [0, 1], got " + minP);
        check(
                presencePenalty >= 0 && presencePenalty <= 2,
                "presence_penalty must be in [0, 2], got " + presencePenalty);
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /** The Qwen3 model card's sampling for the mode ({@link Qwen3#samplingDefaults}), no penalty. */
    public static SamplingParams defaults(boolean thinking, long seed) {
        Qwen3.SamplingDefaults d = Qwen3.samplingDefaults(thinking);
        return new SamplingParams(
                (float) d.temperature(), (float) d.topP(), d.topK(), (float) d.minP(), 0f, seed, false);
    }

    public static SamplingParams greedyDecoding() {
        return new SamplingParams(0f, 1f, 0, 0f, 0f, 0L, true);
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(t, topP, topK, minP, presencePenalty, seed, greedy);
    }

    public SamplingParams withPresencePenalty(float p) {
        return new SamplingParams(temperature, topP, topK, minP, p, seed, greedy);
    }
}
