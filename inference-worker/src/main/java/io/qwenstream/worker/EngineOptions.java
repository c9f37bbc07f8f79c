package io.qwenstream.worker;

import io.qwenstream.engine.AnswerFormat;
import io.qwenstream.engine.GenerationOptions;
import io.qwenstream.engine.LoopDetection;
import io.qwenstream.engine.SamplingParams;
import io.qwenstream.schemas.PreparedRequest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns a PreparedRequest's resolved sampling, thinking and answer format into what the engine runs. */
final class EngineOptions {

    /** Compiled answer formats kept for reuse: requests of one shape (one schema, one tool set) share a grammar. */
    static final int CACHED_FORMATS = 64;

    private static final Map<PreparedRequest.AnswerFormat, AnswerFormat> FORMATS =
            Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<PreparedRequest.AnswerFormat, AnswerFormat> eldest) {
                    return size() > CACHED_FORMATS;
                }
            });

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
                answerFormat(request.answerFormat()),
                Boolean.FALSE.equals(request.thinking().loopDetection()) ? LoopDetection.OFF : LoopDetection.DEFAULT);
    }

    /**
     * The engine's form of the answer format (null: free text), compiled once per shape. Ingest compiled it already
     * and refused what the engine cannot enforce, so a refusal here is a fault (a writer other than ingest, or
     * engines of two versions): it fails this request only.
     */
    static AnswerFormat answerFormat(PreparedRequest.AnswerFormat format) {
        if (format == null) return null;
        return FORMATS.computeIfAbsent(format, f -> switch (f.type()) {
            case JSON_OBJECT -> AnswerFormat.jsonObject();
            case JSON_SCHEMA -> AnswerFormat.jsonSchema(f.schema());
            case TOOL_CALL -> AnswerFormat.toolCall(f.functions());
        });
    }
}
