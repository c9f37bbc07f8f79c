package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Sampling options of a request; null = the default of the resolved thinking mode. {@code temperature} 0
 * asks for greedy decoding (refused in thinking mode unless {@code allowGreedy}); {@code topK} 0 = off.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Sampling(
        Double temperature,
        Double topP,
        Integer topK,
        Double minP,
        Double presencePenalty,
        Long seed,
        Integer maxTokens,
        java.util.List<String> stop,
        Boolean allowGreedy) {}
