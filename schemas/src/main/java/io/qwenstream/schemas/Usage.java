package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Token counts of one request. {@code thinkingLoopEnded}: the engine ended a thinking that repeated
 * itself or never closed, with the budget's closing sentence (absent on the wire reads as false).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Usage(
        int promptTokens,
        int thinkingTokens,
        int answerTokens,
        boolean thinkingBudgetReached,
        // Written only when true: a record without a loop reads as it did before the field existed.
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean thinkingLoopEnded) {

    /** No loop ended. */
    public Usage(int promptTokens, int thinkingTokens, int answerTokens, boolean thinkingBudgetReached) {
        this(promptTokens, thinkingTokens, answerTokens, thinkingBudgetReached, false);
    }
}
