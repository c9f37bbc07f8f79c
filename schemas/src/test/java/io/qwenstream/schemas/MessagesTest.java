package io.qwenstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.engine.Phase;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessagesTest {

    private static final MessageValidator VALIDATOR = new MessageValidator();

    @Test
    void writesSnakeCaseLowerCaseEnumsAndNoNulls() {
        TokenChunk chunk =
                TokenChunk.last("r-1", 4, Phase.ANSWER, "done", 2, FinishReason.STOP, new Usage(10, 3, 2, true));
        assertEquals(
                "{\"schema_version\":1,\"request_id\":\"r-1\",\"seq\":4,\"phase\":\"answer\",\"text\":\"done\","
                        + "\"token_count\":2,\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":10,"
                        + "\"thinking_tokens\":3,\"answer_tokens\":2,\"thinking_budget_reached\":true}}",
                Messages.toJsonString(chunk));
    }

    @Test
    void theFactoriesMakeValidMessages() {
        List<Object> messages = List.of(
                TokenChunk.of("r-1", 0, Phase.THINKING, "<think>\n", 1),
                TokenChunk.of("r-1", 0, Phase.THINKING, "<think>\n", 1).withGenerationId("g-2"),
                TokenChunk.last("r-1", 1, Phase.ANSWER, "", 0, FinishReason.LENGTH, new Usage(5, 1, 0, false)),
                TokenChunk.failed(
                        "r-1",
                        2,
                        Phase.ANSWER,
                        new Usage(5, 1, 0, false),
                        new ErrorDetail(ErrorCode.CANCELLED, "cancelled through qwen.control")),
                InferenceResponse.error("r-2", ErrorCode.OUT_OF_RANGE, "too hot", "/sampling/temperature"),
                ResponseDelta.of("r-1", "g-1", 0, DeltaKind.CONTENT, "Hello"),
                ResponseDelta.reset("r-1", "g-2", 1),
                ControlMessage.cancel("r-1"),
                ConversationHistory.of("c-1", List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello!"))));
        for (Object message : messages) {
            String schema = message.getClass().getSimpleName();
            Validation<?> result = VALIDATOR.validate(schema, Messages.toJson(message));
            assertTrue(result.isValid(), () -> schema + ": " + result.error());
        }
    }

    @Test
    void anErrorResponseCarriesTheValidationError() {
        ErrorDetail error = VALIDATOR.validateRequest("{".getBytes()).error();
        InferenceResponse response = InferenceResponse.error("unknown", error);
        assertEquals(ResponseStatus.ERROR, response.status());
        assertEquals(FinishReason.ERROR, response.finishReason());
        String json = Messages.toJsonString(response);
        assertTrue(json.contains("\"code\":\"invalid_json\""), json);
        assertTrue(VALIDATOR.validate("InferenceResponse", json.getBytes()).isValid(), json);
    }

    @Test
    void fromJsonReportsBadInputAsIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> Messages.fromJson("{\"seq\":", TokenChunk.class));
        assertThrows(IllegalArgumentException.class, () -> Messages.fromJson("{\"a\":1,\"a\":2}", TokenChunk.class));
        assertEquals(
                ControlMessage.cancel("r"),
                Messages.fromJson(
                        "{\"schema_version\":1,\"request_id\":\"r\",\"action\":\"cancel\",\"reason\":\"user\"}",
                        ControlMessage.class));
    }

    @Test
    void validationOutcomesAnswerTheirAccessors() {
        Validation<String> valid = new Validation.Valid<>("x");
        Validation<String> invalid = new Validation.Invalid<>(new ErrorDetail(ErrorCode.INTERNAL, "boom"));
        assertEquals("x", valid.value());
        assertThrows(IllegalStateException.class, valid::error);
        assertEquals(ErrorCode.INTERNAL, invalid.error().code());
        assertThrows(IllegalStateException.class, invalid::value);
    }
}
