package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Thinking control. In a request: the hard switch (null = default true), an optional budget, and
 * {@code loopDetection} (null = default true; false lets a thinking that repeats itself or never closes
 * run on to the budget or max_tokens). In a PreparedRequest: {@code enabled} is the resolved mode (never null).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Thinking(Boolean enabled, Integer budgetTokens, Boolean loopDetection) {

    /** Loop detection as the default has it (on). */
    public Thinking(Boolean enabled, Integer budgetTokens) {
        this(enabled, budgetTokens, null);
    }
}
