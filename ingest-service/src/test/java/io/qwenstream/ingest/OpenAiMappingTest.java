package io.qwenstream.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.ResponseStatus;
import io.qwenstream.schemas.ToolCall;
import io.qwenstream.schemas.Usage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpenAiMappingTest {

    private static JsonNode json(String singleQuoted) throws Exception {
        return Messages.mapper().readTree(singleQuoted.replace('\'', '"'));
    }

    @Test
    void mapsTheOpenAiFieldsOntoAnInferenceRequest() throws Exception {
        JsonNode request = OpenAiMapping.toInferenceRequest(
                json("{'model':'m','messages':[{'role':'user','content':'hi'}],"
                        + "'temperature':0.3,'top_p':0.9,'max_tokens':77,'stop':['a','b'],'seed':9,'presence_penalty':1,"
                        + "'tools':[{'type':'function','function':{'name':'f'}}],'enable_thinking':false}"),
                "chatcmpl-1");
        assertEquals(
                json(
                        "{'schema_version':1,'request_id':'chatcmpl-1','task':'chat','messages':[{'role':'user','content':'hi'}],"
                                + "'tools':[{'type':'function','function':{'name':'f'}}],'thinking':{'enabled':false},"
                                + "'sampling':{'temperature':0.3,'top_p':0.9,'presence_penalty':1,'seed':9,'max_tokens':77,'stop':['a','b']}}"),
                request);
        assertTrue(
                Messages.mapper()
                        .valueToTree(new io.qwenstream.schemas.MessageValidator()
                                .validateRequest(Messages.toJson(request))
                                .value())
                        .isObject(),
                "and it is a valid request");
    }

    @Test
    void enableThinkingAlsoComesFromChatTemplateKwargsAndStopFromAString() throws Exception {
        JsonNode request = OpenAiMapping.toInferenceRequest(
                json("{'messages':[{'role':'user','content':'hi'}],"
                        + "'chat_template_kwargs':{'enable_thinking':false},'stop':'END','max_completion_tokens':5}"),
                "r");
        assertFalse(request.at("/thinking/enabled").asBoolean());
        assertEquals(json("['END']"), request.at("/sampling/stop"));
        assertEquals(5, request.at("/sampling/max_tokens").asInt());
        JsonNode plain = OpenAiMapping.toInferenceRequest(json("{'messages':[{'role':'user','content':'hi'}]}"), "r");
        assertTrue(plain.path("thinking").isMissingNode(), "the hard switch keeps its default");
        assertTrue(plain.path("sampling").isMissingNode());
    }

    @Test
    void textPartsAreJoinedOtherPartsLeftForTheValidatorToRefuse() throws Exception {
        JsonNode request = OpenAiMapping.toInferenceRequest(
                json(
                        "{'messages':[{'role':'user','content':[{'type':'text','text':'a'},"
                                + "{'type':'text','text':'b'}]},{'role':'user','content':[{'type':'image_url','image_url':{'url':'x'}}]}]}"),
                "r");
        assertEquals("ab", request.at("/messages/0/content").asText());
        assertTrue(request.at("/messages/1/content").isArray());
    }

    @Test
    void streamingAndSeveralChoicesAreUnsupported() throws Exception {
        assertEquals(
                "stream", OpenAiMapping.unsupported(json("{'stream':true}")).param());
        assertEquals("n", OpenAiMapping.unsupported(json("{'n':2}")).param());
        assertNull(OpenAiMapping.unsupported(json("{'n':1,'stream':false}")));
        assertNotNull(OpenAiMapping.unsupported(json("[1]")));
    }

    @Test
    void anAnswerBecomesAChatCompletionWithReasoningContentAndToolCalls() {
        InferenceResponse answer = new InferenceResponse(
                1,
                "r1",
                ResponseStatus.OK,
                "thought",
                "",
                List.of(ToolCall.function(null, "get_weather", Map.of("city", "Paris"))),
                null,
                null,
                new Usage(10, 4, 6, false),
                null,
                FinishReason.STOP,
                null);
        OpenAiMapping.Mapped mapped = OpenAiMapping.toResponse(answer, "qwen3");
        assertEquals(200, mapped.status());
        JsonNode body = mapped.body();
        assertEquals("thought", body.at("/choices/0/message/reasoning_content").asText());
        assertEquals("tool_calls", body.at("/choices/0/finish_reason").asText());
        assertEquals(
                "get_weather",
                body.at("/choices/0/message/tool_calls/0/function/name").asText());
        assertEquals(
                "{\"city\":\"Paris\"}",
                body.at("/choices/0/message/tool_calls/0/function/arguments").asText());
        assertEquals(20, body.at("/usage/total_tokens").asInt());
    }

    @Test
    void errorsBecomeOpenAiErrorsWithFittingStatus() {
        OpenAiMapping.Mapped bad = OpenAiMapping.toResponse(
                InferenceResponse.error("r", ErrorCode.OUT_OF_RANGE, "too hot", "/sampling/temperature"), "m");
        assertEquals(400, bad.status());
        assertEquals("out_of_range", bad.body().at("/error/code").asText());
        assertEquals("/sampling/temperature", bad.body().at("/error/param").asText());
        assertEquals("invalid_request_error", bad.body().at("/error/type").asText());
        assertEquals(
                413,
                OpenAiMapping.toResponse(InferenceResponse.error("r", ErrorCode.RECORD_TOO_LARGE, "big", null), "m")
                        .status());
        assertEquals(
                504,
                OpenAiMapping.toResponse(InferenceResponse.error("r", ErrorCode.DEADLINE_EXCEEDED, "late", null), "m")
                        .status());
        assertEquals(
                500,
                OpenAiMapping.toResponse(InferenceResponse.error("r", ErrorCode.INTERNAL, "oops", null), "m")
                        .status());
    }
}
