package io.qwenstream.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Thinking control. In a request: the hard switch (null = default true) and an optional budget. In a
 * PreparedRequest: {@code enabled} is the resolved mode (never null).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Thinking(Boolean enabled, Integer budgetTokens) {}
