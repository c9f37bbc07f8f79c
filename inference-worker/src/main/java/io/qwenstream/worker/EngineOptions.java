package io.qwenstream.worker;

import io.qwenstream.engine.GenerationOptions;
import io.qwenstream.engine.LoopDetection;
import io.qwenstream.engine.SamplingParams;
import io.qwenstream.schemas.PreparedRequest;

/** Turns a PreparedRequest's resolved sampling and thinking into what the engine runs. */
final class EngineOptions {

    private EngineOptions() {}

    /** The request's sampling for the engine; max_tokens is capped by the {@code room} the context leaves. */
    static GenerationOptions of(PreparedRequest request, int room) {
        PreparedRequest.ResolvedSampling s = request.sampling();
        SamplingParams sampling = new SamplingParams(
                (float) s.temperature(),
                (float) s.topP(),
                s.topK(),
                (float) s.minP(),
                (float) s.presencePenalty(),
                s.seed(),
                s.greedy());
        boolean thinking = Boolean.TRUE.equals(request.thinking().enabled());
        // thinking=false: the prompt already ends with the empty think block, the generator adds nothing.
        return new GenerationOptions(
                Math.min(s.maxTokens(), room),
                sampling,
                false,
                s.stop(),
                thinking,
                thinking ? request.thinking().budgetTokens() : null,
                null,
                Boolean.FALSE.equals(request.thinking().loopDetection()) ? LoopDetection.OFF : LoopDetection.DEFAULT);
    }
}
