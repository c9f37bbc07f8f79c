package io.qwenstream.engine.sampling;

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

    /** Qwen3 model card defaults for thinking mode: T=0.6, top_p=0.95, top_k=20, min_p=0. */
    public static SamplingParams thinkingDefaults(long seed) {
        return new SamplingParams(0.6f, 0.95f, 20, 0f, 0f, seed, false);
    }

    /** Qwen3 model card defaults for non-thinking mode: T=0.7, top_p=0.8, top_k=20, min_p=0. */
    public static SamplingParams nonThinkingDefaults(long seed) {
        return new SamplingParams(0.7f, 0.8f, 20, 0f, 0f, seed, false);
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
