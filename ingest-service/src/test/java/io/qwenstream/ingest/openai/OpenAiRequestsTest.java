package io.qwenstream.ingest.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.ResponseStatus;
import io.qwenstream.schemas.ToolCall;
import io.qwenstream.schemas.Usage;
import io.qwenstream.schemas.Validation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpenAiRequestsTest {

    private static JsonNode json(String singleQuoted) throws Exception {
        return Messages.mapper().readTree(singleQuoted.replace('\'', '"'));
    }

    private static OpenAiRequests.Call call(String body) throws Exception {
        OpenAiRequests.Result result = OpenAiRequests.map(json(body), "chatcmpl-1", "qwen3");
        assertNull(result.error(), () -> "refused: " + result.error());
        return result.call();
    }

    private static OpenAiError refusal(String body) throws Exception {
        OpenAiRequests.Result result = OpenAiRequests.map(json(body), "r", "qwen3");
        assertNull(result.call(), body);
        return result.error();
    }

    @Test
    void mapsTheOpenAiFieldsOntoAValidInferenceRequest() throws Exception {
        OpenAiRequests.Call call = call("{'model':'qwen3','messages':[{'role':'user','content':'hi'}],"
                + "'temperature':0.3,'top_p':0.9,'max_tokens':77,'stop':['a','b'],'seed':9,'presence_penalty':1,"
                + "'tools':[{'type':'function','function':{'name':'f'}}],'tool_choice':'auto','enable_thinking':false,"
                + "'stream':true,'stream_options':{'include_usage':true},'user':'u-1'}");
        assertEquals(
                json(
                        "{'schema_version':1,'request_id':'chatcmpl-1','task':'chat','messages':[{'role':'user','content':'hi'}],"
                                + "'tools':[{'type':'function','function':{'name':'f'}}],'tool_choice':'auto','stream':true,'thinking':{'enabled':false},"
                                + "'sampling':{'temperature':0.3,'top_p':0.9,'presence_penalty':1,'seed':9,'max_tokens':77,'stop':['a','b']}}"),
                call.request());
        assertTrue(call.stream());
        assertTrue(call.includeUsage());
        assertEquals("qwen3", call.model());
        assertTrue(
                new MessageValidator().validateRequest(Messages.toJson(call.request())) instanceof Validation.Valid<?>,
                "and it is a valid request");
    }

    @Test
    void thinkingControlsComeFromChatTemplateKwargsAndThinkingBudget() throws Exception {
        JsonNode request = call("{'messages':[{'role':'user','content':'hi'}],"
                        + "'chat_template_kwargs':{'enable_thinking':true},'thinking_budget':64,"
                        + "'stop':'END','max_completion_tokens':5}")
                .request();
        assertEquals(json("{'enabled':true,'budget_tokens':64}"), request.get("thinking"));
        assertEquals(json("['END']"), request.at("/sampling/stop"));
        assertEquals(5, request.at("/sampling/max_tokens").asInt());
        OpenAiRequests.Call plain = call("{'messages':[{'role':'user','content':'hi'}]}");
        assertTrue(plain.request().path("thinking").isMissingNode(), "the hard switch keeps its default");
        assertTrue(plain.request().path("sampling").isMissingNode());
        assertFalse(plain.stream());
        assertEquals("qwen3", plain.model(), "no model named: the served one");
    }

    @Test
    void toolMessagesGoInAndNullsAnSdkEchoesBackAreDropped() throws Exception {
        JsonNode request = call("{'messages':[{'role':'user','content':'Weather in Paris?'},"
                        + "{'role':'assistant','content':null,'refusal':null,'tool_calls':[{'id':'call_1','type':'function',"
                        + "'function':{'name':'get_weather','arguments':'{\\'city\\':\\'Paris\\'}'}}]},"
                        + "{'role':'tool','tool_call_id':'call_1','content':'22 C'}],"
                        + "'tools':[{'type':'function','function':{'name':'get_weather','parameters':{'type':'object'}}}]}")
                .request();
        JsonNode assistant = request.at("/messages/1");
        assertFalse(assistant.has("refusal"));
        assertTrue(assistant.get("content").isNull(), "content null stays: the schema allows it with tool_calls");
        assertEquals("tool", request.at("/messages/2/role").asText());
        assertTrue(
                new MessageValidator().validateRequest(Messages.toJson(request)) instanceof Validation.Valid<?>,
                () -> "valid: " + new MessageValidator().validateRequest(Messages.toJson(request)));
    }

    /** response_format and tool_choice travel as they are: the flow enforces (or refuses) them as over Kafka. */
    @Test
    void responseFormatAndToolChoiceGoThroughToTheFlow() throws Exception {
        String schema = "{'type':'object','properties':{'city':{'type':'string'}},'required':['city'],"
                + "'additionalProperties':false}";
        JsonNode json = call("{'messages':[{'role':'user','content':'hi'}],'response_format':{'type':'json_schema',"
                        + "'json_schema':{'name':'place','strict':true,'schema':" + schema + "}}}")
                .request();
        assertEquals(
                json("{'type':'json_schema','json_schema':{'name':'place','strict':true,'schema':" + schema + "}}"),
                json.get("response_format"));
        assertEquals(
                json("{'type':'json_object'}"),
                call("{'messages':[{'role':'user','content':'hi'}],'response_format':{'type':'json_object'}}")
                        .request()
                        .get("response_format"));
        String tools = "'tools':[{'type':'function','function':{'name':'f','parameters':{'type':'object'}}}]";
        for (String choice : List.of("'required'", "'none'", "{'type':'function','function':{'name':'f'}}")) {
            JsonNode request = call("{'messages':[{'role':'user','content':'hi'}]," + tools + ",'tool_choice':" + choice
                            + "}")
                    .request();
            assertEquals(json(choice), request.get("tool_choice"));
            assertTrue(request.has("tools"), "the preparer decides what none hides");
            assertTrue(
                    new MessageValidator().validateRequest(Messages.toJson(request)) instanceof Validation.Valid<?>,
                    () -> "valid: " + request);
        }
    }

    @Test
    void textPartsAreJoinedOtherPartsLeftForTheValidatorToRefuse() throws Exception {
        JsonNode request = call("{'messages':[{'role':'user','content':[{'type':'text','text':'a'},"
                        + "{'type':'text','text':'b'}]},{'role':'user','content':[{'type':'image_url','image_url':{'url':'x'}}]}]}")
                .request();
        assertEquals("ab", request.at("/messages/0/content").asText());
        assertTrue(request.at("/messages/1/content").isArray());
    }

    @Test
    void whatThePipelineCannotServeIsRefusedHere() throws Exception {
        assertEquals(404, refusal("{'model':'gpt-4o','messages':[]}").status());
        assertEquals(
                "model_not_found", refusal("{'model':'gpt-4o','messages':[]}").code());
        assertEquals("n", refusal("{'n':2}").param());
        assertEquals("logprobs", refusal("{'logprobs':true}").param());
        assertEquals("stream", refusal("{'stream':'yes'}").param());
        assertEquals(400, refusal("[1]").status());
        assertEquals("invalid_request_error", refusal("{'n':3}").type());
    }

    @Test
    void validatorFieldsBecomeOpenAiParams() {
        assertEquals("temperature", OpenAiRequests.param("/sampling/temperature"));
        assertEquals("stop[0]", OpenAiRequests.param("/sampling/stop/0"));
        assertEquals("thinking_budget", OpenAiRequests.param("/thinking/budget_tokens"));
        assertEquals("messages[2].content", OpenAiRequests.param("/messages/2/content"));
        assertEquals("tools[0].function.name", OpenAiRequests.param("/tools/0/function/name"));
        assertEquals("tool_choice.function.name", OpenAiRequests.param("/tool_choice/function/name"));
        assertEquals(
                "response_format.json_schema.schema.properties.when.oneOf",
                OpenAiRequests.param("/response_format/json_schema/schema/properties/when/oneOf"));
        assertNull(OpenAiRequests.param(null));
    }

    @Test
    void anAnswerBecomesAChatCompletionWithReasoningContentAndToolCalls() {
        InferenceResponse answer = new InferenceResponse(
                1,
                "r1",
                ResponseStatus.OK,
                "thought",
                "",
                List.of(ToolCall.function("call_7", "get_weather", Map.of("city", "Paris"))),
                null,
                null,
                new Usage(10, 4, 6, false),
                null,
                FinishReason.STOP,
                null);
        JsonNode body = OpenAiResponses.completion(answer, "qwen3", 1234);
        assertEquals("thought", body.at("/choices/0/message/reasoning_content").asText());
        assertTrue(body.at("/choices/0/message/content").isNull(), "a call without text has no content: " + body);
        assertEquals("tool_calls", body.at("/choices/0/finish_reason").asText());
        assertEquals("call_7", body.at("/choices/0/message/tool_calls/0/id").asText());
        assertEquals(
                "get_weather",
                body.at("/choices/0/message/tool_calls/0/function/name").asText());
        assertEquals(
                "{\"city\":\"Paris\"}",
                body.at("/choices/0/message/tool_calls/0/function/arguments").asText());
        assertEquals(20, body.at("/usage/total_tokens").asInt());
        assertEquals(
                4, body.at("/usage/completion_tokens_details/reasoning_tokens").asInt());
    }

    @Test
    void errorsBecomeOpenAiErrorsWithFittingStatus() throws Exception {
        OpenAiError bad = OpenAiResponses.error(
                InferenceResponse.error("r", ErrorCode.OUT_OF_RANGE, "too hot", "/sampling/temperature")
                        .error());
        assertEquals(400, bad.status());
        assertEquals(
                json(
                        "{'error':{'message':'too hot','type':'invalid_request_error','param':'temperature','code':'out_of_range'}}"),
                bad.toJson());
        assertEquals(413, status(ErrorCode.RECORD_TOO_LARGE));
        assertEquals(504, status(ErrorCode.DEADLINE_EXCEEDED));
        assertEquals(500, status(ErrorCode.INTERNAL));
        assertEquals(400, status(ErrorCode.PROMPT_TOO_LONG));
    }

    private static int status(ErrorCode code) {
        return OpenAiResponses.error(
                        InferenceResponse.error("r", code, "m", null).error())
                .status();
    }
}
