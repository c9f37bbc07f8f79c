package io.qwenstream.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.engine.AnswerFormat;
import io.qwenstream.engine.GenerationOptions;
import io.qwenstream.engine.LoopDetection;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.PreparedRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineOptionsTest {

    @Test
    void thinkingRequestsKeepTheirSamplingAndBudget() {
        GenerationOptions options = EngineOptions.of(request(true, 64, 512), 1000);
        assertEquals(512, options.maxTokens());
        assertEquals(Boolean.TRUE, options.thinking());
        assertEquals(64, options.thinkingBudget());
        assertEquals(0.6f, options.sampling().temperature());
        assertEquals(0.95f, options.sampling().topP());
        assertEquals(20, options.sampling().topK());
        assertEquals(0.05f, options.sampling().minP());
        assertEquals(1.5f, options.sampling().presencePenalty());
        assertEquals(1234, options.sampling().seed());
        assertFalse(options.sampling().greedy());
        assertFalse(options.ignoreEos());
        assertEquals(List.of("END"), options.stop());
    }

    @Test
    void withThinkingOffNoBudgetReachesTheEngine() {
        GenerationOptions options = EngineOptions.of(request(false, 64, 512), 1000);
        assertEquals(Boolean.FALSE, options.thinking(), "the prompt already ends with the empty think block");
        assertNull(options.thinkingBudget());
    }

    @Test
    void loopDetectionIsOnUnlessTheRequestTurnsItOff() {
        assertEquals(
                LoopDetection.DEFAULT,
                EngineOptions.of(request(true, null, 512), 1000).loopDetection());
        PreparedRequest off = Messages.fromJson(
                Messages.toJsonString(request(true, null, 512))
                        .replace("\"enabled\":true", "\"enabled\":true,\"loop_detection\":false"),
                PreparedRequest.class);
        assertEquals(LoopDetection.OFF, EngineOptions.of(off, 1000).loopDetection());
    }

    @Test
    void maxTokensIsCappedByTheRoomTheContextLeaves() {
        assertEquals(100, EngineOptions.of(request(true, null, 512), 100).maxTokens());
        assertTrue(EngineOptions.of(request(true, null, 512), 100).thinkingBudget() == null);
    }

    @Test
    void theAnswerFormatReachesTheEngineCompiledOncePerShape() {
        assertNull(EngineOptions.of(request(true, null, 512), 1000).answerFormat(), "free text");
        PreparedRequest json = withFormat(
                request(false, null, 64),
                "{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\",\"properties\":"
                        + "{\"n\":{\"type\":\"integer\"}},\"required\":[\"n\"]}}");
        AnswerFormat format = EngineOptions.of(json, 1000).answerFormat();
        assertEquals("json_schema", format.toString());
        // Another request of the same shape (read from its own record) shares the compiled grammar.
        assertSame(
                format,
                EngineOptions.of(Messages.fromJson(Messages.toJson(json), PreparedRequest.class), 1000)
                        .answerFormat());
        assertEquals(
                "tool_call",
                EngineOptions.of(
                                withFormat(
                                        request(true, 8, 64),
                                        "{\"type\":\"tool_call\",\"functions\":{\"f\":{\"type\":\"object\"}}}"),
                                1000)
                        .answerFormat()
                        .toString());
        assertEquals(
                "json_object",
                EngineOptions.of(withFormat(request(false, null, 64), "{\"type\":\"json_object\"}"), 1000)
                        .answerFormat()
                        .toString());
    }

    @Test
    void aFormatTheEngineRefusesFailsThatRequestOnly() {
        PreparedRequest bad = withFormat(
                request(false, null, 64),
                "{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\",\"properties\":" + "{\"n\":{\"not\":{}}}}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EngineOptions.of(bad, 1000));
        assertTrue(e.getMessage().contains("not"), e.getMessage());
    }

    private static PreparedRequest withFormat(PreparedRequest r, String answerFormatJson) {
        return r.withAnswerFormat(Messages.fromJson(answerFormatJson, PreparedRequest.AnswerFormat.class));
    }

    private static PreparedRequest request(boolean thinking, Integer budget, int maxTokens) {
        String json = """
                {"schema_version":1,"request_id":"r1","task":"chat","prompt":"p","prompt_tokens":1,
                 "thinking":{"enabled":%s%s},
                 "sampling":{"temperature":0.6,"top_p":0.95,"top_k":20,"min_p":0.05,"presence_penalty":1.5,
                             "seed":1234,"max_tokens":%d,"stop":["END"],"greedy":false},
                 "messages":[{"role":"user","content":"Hi"}],"stream":true,"received_at_ms":1}
                """.formatted(thinking, budget == null ? "" : ",\"budget_tokens\":" + budget, maxTokens);
        return Messages.fromJson(json, PreparedRequest.class);
    }
}
