package io.qwenstream.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.engine.ChatFormat;
import io.qwenstream.schemas.ChatMessage;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.InferenceRequest;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.Role;
import io.qwenstream.schemas.SummarizeStyle;
import io.qwenstream.schemas.Task;
import io.qwenstream.schemas.Validation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** InferenceRequest (validated exactly as the flow does) → PreparedRequest. */
class RequestPreparerTest {

    private static final long RECEIVED = 1_700_000_000_000L;
    private static final long SEED = 4242L;
    private static final MessageValidator VALIDATOR = new MessageValidator();
    private static PromptRenderer renderer;
    private static RequestPreparer preparer;

    @BeforeAll
    static void load() {
        renderer = new PromptRenderer(ChatFormat.load(Fixtures.tokenizer()), 40960);
        preparer = new RequestPreparer(renderer, 1000, () -> SEED);
    }

    private static InferenceRequest request(String json) {
        Validation<InferenceRequest> v =
                VALIDATOR.validateRequest(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
        if (!v.isValid()) throw new AssertionError("test request is invalid: " + v.error());
        return v.value();
    }

    private static PreparedRequest prepare(String json) {
        return preparer.prepare(request(json), List.of(), RECEIVED);
    }

    private static ErrorDetail refusal(String json) {
        return assertThrows(RefusedException.class, () -> prepare(json)).error();
    }

    private static String chat(String extra, String userText) {
        return "{'schema_version':1,'request_id':'r1','task':'chat','messages':[{'role':'user','content':'" + userText
                + "'}]" + extra + "}";
    }

    @Test
    void thinkingByDefaultWithTheThinkingSamplingDefaults() {
        PreparedRequest p = prepare(chat("", "Why is the sky blue?"));
        assertTrue(p.thinking().enabled());
        assertTrue(p.prompt().endsWith("<|im_start|>assistant\n"), p.prompt());
        PreparedRequest.ResolvedSampling s = p.sampling();
        assertEquals(0.6, s.temperature());
        assertEquals(0.95, s.topP());
        assertEquals(20, s.topK());
        assertEquals(0.0, s.minP());
        assertEquals(0.0, s.presencePenalty());
        assertEquals(SEED, s.seed());
        assertEquals(1000, s.maxTokens());
        assertEquals(List.of(), s.stop());
        assertFalse(s.greedy());
        assertEquals(Task.CHAT, p.task());
        assertEquals(RECEIVED, p.receivedAtMs());
        assertNull(p.deadlineAtMs());
        assertFalse(p.stream());
        assertEquals(1, p.schemaVersion());
    }

    @Test
    void promptTokensAreTheEngineTokenizersCount() {
        PreparedRequest p = prepare(chat("", "Count me"));
        assertEquals(ChatFormat.load(Fixtures.tokenizer()).encode(p.prompt()).length, p.promptTokens());
    }

    @Test
    void hardSwitchOffUsesTheNonThinkingDefaultsAndTheTemplatesEmptyThinkBlock() {
        PreparedRequest p = prepare(chat(",'thinking':{'enabled':false}", "Hi /think"));
        assertFalse(p.thinking().enabled());
        assertTrue(p.prompt().endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), p.prompt());
        assertEquals(0.7, p.sampling().temperature());
        assertEquals(0.8, p.sampling().topP());
        assertEquals(20, p.sampling().topK());
        assertEquals(0.0, p.sampling().minP());
    }

    @Test
    void softNoThinkIsEnforcedWithAnEmptyThinkBlock() {
        PreparedRequest p = prepare(chat("", "Quick answer please /no_think"));
        assertFalse(p.thinking().enabled());
        assertTrue(p.prompt().endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), p.prompt());
        assertEquals(0.7, p.sampling().temperature());
    }

    @Test
    void softSwitchCarriesAcrossTurnsOfTheStoredHistory() {
        List<ChatMessage> history = List.of(ChatMessage.user("Hello /no_think"), ChatMessage.assistant("Hi!"));
        InferenceRequest next = request("{'schema_version':1,'request_id':'r2','conversation_id':'c1','task':'chat',"
                + "'messages':[{'role':'user','content':'And now?'}]}");
        PreparedRequest p = preparer.prepare(next, history, RECEIVED);
        assertFalse(p.thinking().enabled(), "the earlier /no_think still holds");
        assertEquals(
                List.of(Role.USER, Role.ASSISTANT, Role.USER),
                p.messages().stream().map(ChatMessage::role).toList());
        assertEquals("c1", p.conversationId());
        assertTrue(
                p.prompt().startsWith("<|im_start|>user\nHello /no_think<|im_end|>\n<|im_start|>assistant\n"),
                p.prompt());

        InferenceRequest switchedBack =
                request("{'schema_version':1,'request_id':'r3','conversation_id':'c1','task':'chat',"
                        + "'messages':[{'role':'user','content':'Think again /think'}]}");
        assertTrue(preparer.prepare(switchedBack, history, RECEIVED).thinking().enabled());
    }

    @Test
    void givenSamplingValuesWinOverTheModeDefaults() {
        PreparedRequest p = prepare(chat(
                ",'sampling':{'temperature':1.1,'top_k':0,'presence_penalty':1.5,'seed':7,"
                        + "'max_tokens':64,'stop':['END']}",
                "hi"));
        PreparedRequest.ResolvedSampling s = p.sampling();
        assertEquals(1.1, s.temperature());
        assertEquals(0.95, s.topP(), "left out: the thinking default");
        assertEquals(0, s.topK());
        assertEquals(1.5, s.presencePenalty());
        assertEquals(7, s.seed());
        assertEquals(64, s.maxTokens());
        assertEquals(List.of("END"), s.stop());
    }

    @Test
    void maxTokensIsCappedByTheRoomLeftInTheContext() {
        RequestPreparer small =
                new RequestPreparer(new PromptRenderer(ChatFormat.load(Fixtures.tokenizer()), 100), 1000, () -> SEED);
        PreparedRequest p = small.prepare(request(chat(",'sampling':{'max_tokens':5000}", "hi")), List.of(), RECEIVED);
        assertEquals(100 - p.promptTokens(), p.sampling().maxTokens());
    }

    @Test
    void greedyInThinkingModeIsRefusedUnlessAllowed() {
        ErrorDetail e = refusal(chat(",'sampling':{'temperature':0}", "hi"));
        assertEquals(ErrorCode.GREEDY_IN_THINKING_MODE, e.code());
        assertEquals("/sampling/temperature", e.field());
        assertTrue(e.message().contains("allow_greedy"), e.message());

        PreparedRequest allowed = prepare(chat(",'sampling':{'temperature':0,'allow_greedy':true}", "hi"));
        assertTrue(allowed.sampling().greedy());
        assertTrue(allowed.thinking().enabled());
    }

    @Test
    void greedyWithoutThinkingIsFine() {
        assertTrue(prepare(chat(",'thinking':{'enabled':false},'sampling':{'temperature':0}", "hi"))
                .sampling()
                .greedy());
        assertTrue(prepare(chat(",'sampling':{'temperature':0}", "hi /no_think"))
                .sampling()
                .greedy());
    }

    @Test
    void budgetDeadlineStreamAndMetadataAreCarried() {
        PreparedRequest p = prepare(chat(
                ",'thinking':{'budget_tokens':128},'deadline_ms':5000,'stream':true,"
                        + "'tenant':'acme','metadata':{'trace':'x'}",
                "hi"));
        assertEquals(128, p.thinking().budgetTokens());
        assertEquals(RECEIVED + 5000, p.deadlineAtMs());
        assertTrue(p.stream());
        assertEquals("acme", p.tenant());
        assertEquals("x", p.metadata().get("trace"));
    }

    @Test
    void onlyLoopDetectionTurnedOffTravelsOn() {
        assertEquals(
                false,
                prepare(chat(",'thinking':{'loop_detection':false}", "hi"))
                        .thinking()
                        .loopDetection());
        assertNull(prepare(chat(",'thinking':{'loop_detection':true}", "hi"))
                .thinking()
                .loopDetection());
        assertNull(prepare(chat("", "hi")).thinking().loopDetection());
    }

    @Test
    void translateBuildsInstructionsNamingLanguagesAndGlossary() {
        PreparedRequest p = prepare(
                "{'schema_version':1,'request_id':'t1','task':'translate','text':'Der Hund schläft.',"
                        + "'translate':{'target_language':'English','source_language':'German','glossary':{'Hund':'hound'}}}");
        assertEquals(Task.TRANSLATE, p.task());
        assertEquals(2, p.messages().size());
        String system = p.messages().get(0).content();
        assertEquals(Role.SYSTEM, p.messages().get(0).role());
        assertTrue(system.contains("from German into English"), system);
        assertTrue(system.contains("\"Hund\" → \"hound\""), system);
        assertTrue(system.contains("translation only"), system);
        assertEquals("Der Hund schläft.", p.messages().get(1).content());
        assertEquals("English", p.translate().targetLanguage());
        assertNull(p.summarize());
        assertTrue(p.prompt().startsWith("<|im_start|>system\nYou are a professional translator."), p.prompt());
    }

    @Test
    void translateWithoutSourceLanguageAsksToDetectIt() {
        PreparedRequest p = prepare("{'schema_version':1,'request_id':'t2','task':'translate','text':'Bonjour',"
                + "'translate':{'target_language':'Japanese'}}");
        assertTrue(
                p.messages().get(0).content().contains("(detect its language) into Japanese"),
                p.messages().get(0).content());
    }

    @Test
    void summarizeStylesAndWordLimit() {
        PreparedRequest bullets =
                prepare("{'schema_version':1,'request_id':'s1','task':'summarize','text':'A long text.',"
                        + "'summarize':{'style':'bullets','max_words':50}}");
        String system = bullets.messages().get(0).content();
        assertTrue(system.contains("bullet points") && system.contains("at most 50 words"), system);
        assertEquals(SummarizeStyle.BULLETS, bullets.summarize().style());

        PreparedRequest paragraph =
                prepare("{'schema_version':1,'request_id':'s2','task':'summarize','text':'A long text.'}");
        assertEquals(SummarizeStyle.PARAGRAPH, paragraph.summarize().style(), "style defaults to paragraph");
        assertTrue(paragraph.messages().get(0).content().contains("one paragraph"));

        PreparedRequest issue = prepare("{'schema_version':1,'request_id':'s3','task':'summarize',"
                + "'messages':[{'role':'user','content':'My app crashes on start.'},{'role':'assistant','content':'Update the driver.'}],"
                + "'summarize':{'style':'issue_resolution'}}");
        String issueSystem = issue.messages().get(0).content();
        assertTrue(issueSystem.contains("Problem") && issueSystem.contains("Resolution"), issueSystem);
        assertEquals(
                "[user]\nMy app crashes on start.\n\n[assistant]\nUpdate the driver.",
                issue.messages().get(1).content());
    }

    @Test
    void translateKeepsTheHistoryBetweenInstructionsAndInput() {
        InferenceRequest t = request("{'schema_version':1,'request_id':'t3','conversation_id':'c9','task':'translate',"
                + "'text':'Gracias','translate':{'target_language':'English'}}");
        PreparedRequest p =
                preparer.prepare(t, List.of(ChatMessage.user("Hola"), ChatMessage.assistant("Hello")), RECEIVED);
        assertEquals(
                List.of(Role.SYSTEM, Role.USER, Role.ASSISTANT, Role.USER),
                p.messages().stream().map(ChatMessage::role).toList());
        assertEquals("Gracias", p.messages().get(3).content());
    }

    @Test
    void anAssistantTurnWithOnlyToolCallsRenders() {
        PreparedRequest p = prepare("{'schema_version':1,'request_id':'tc','task':'chat','tools':[{'type':'function',"
                + "'function':{'name':'get_weather','parameters':{'type':'object'}}}],'messages':["
                + "{'role':'user','content':'Weather in Paris?'},"
                + "{'role':'assistant','content':null,'tool_calls':[{'type':'function','function':{'name':'get_weather','arguments':{'city':'Paris'}}}]},"
                + "{'role':'tool','content':'18 C'}]}");
        assertTrue(
                p.prompt()
                        .contains(
                                "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"),
                p.prompt());
        assertTrue(p.prompt().contains("# Tools"), p.prompt());
        assertNull(p.messages().get(1).content(), "the conversation is carried as sent");
    }

    @Test
    void aToolResultGoesBackInAsQwen3sToolResponse() {
        PreparedRequest p = prepare("{'schema_version':1,'request_id':'tr','task':'chat','tools':[{'type':'function',"
                + "'function':{'name':'get_weather','parameters':{'type':'object'}}}],'messages':["
                + "{'role':'user','content':'Weather in Paris?'},"
                + "{'role':'assistant','content':null,'tool_calls':[{'id':'call_1','type':'function','function':"
                + "{'name':'get_weather','arguments':'{\\'city\\': \\'Paris\\'}'}}]},"
                + "{'role':'tool','tool_call_id':'call_1','content':'18 C'}]}");
        assertTrue(
                p.prompt()
                        .contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
                                + "</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n18 C\n</tool_response>"
                                + "<|im_end|>\n<|im_start|>assistant\n"),
                p.prompt());
        assertNull(p.answerFormat(), "tool_choice auto: the answer is free (calls are parsed from it)");
    }

    private static final String TOOLS = ",'tools':[{'type':'function','function':{'name':'get_weather','parameters':"
            + "{'type':'object','properties':{'city':{'type':'string'}},'required':['city']}}},"
            + "{'type':'function','function':{'name':'get_time'}}]";

    @Test
    void jsonObjectAndJsonSchemaBecomeTheAnswerFormat() {
        assertEquals(
                PreparedRequest.AnswerFormat.jsonObject(),
                prepare(chat(",'response_format':{'type':'json_object'}", "JSON please"))
                        .answerFormat());
        PreparedRequest p = prepare(chat(
                ",'response_format':{'type':'json_schema','json_schema':{'name':'n','strict':true,'schema':"
                        + "{'type':'object','properties':{'n':{'type':'integer','minimum':1}},'required':['n']}}}",
                "A number"));
        assertEquals(
                PreparedRequest.AnswerFormat.jsonSchema(Map.of(
                        "type", "object",
                        "properties", Map.of("n", Map.of("type", "integer", "minimum", 1)),
                        "required", List.of("n"))),
                p.answerFormat());
        assertNull(prepare(chat(",'response_format':{'type':'text'}", "Hi")).answerFormat());
    }

    @Test
    void requiredForcesACallOfAnyToolInTheirOrderAndANamedOneOfThatTool() {
        PreparedRequest required = prepare(chat(TOOLS + ",'tool_choice':'required'", "Weather?"));
        assertEquals(
                PreparedRequest.AnswerFormat.Type.TOOL_CALL,
                required.answerFormat().type());
        assertEquals(
                List.of("get_weather", "get_time"),
                List.copyOf(required.answerFormat().functions().keySet()));
        assertEquals(
                Map.of("type", "object"),
                required.answerFormat().functions().get("get_time"),
                "no parameters: any arguments object");
        assertTrue(required.prompt().contains("# Tools"), "the model is told of the tools it must call");

        PreparedRequest named =
                prepare(chat(TOOLS + ",'tool_choice':{'type':'function','function':{'name':'get_weather'}}", "W?"));
        assertEquals(
                List.of("get_weather"),
                List.copyOf(named.answerFormat().functions().keySet()));
        assertEquals(
                Map.of(
                        "type",
                        "object",
                        "properties",
                        Map.of("city", Map.of("type", "string")),
                        "required",
                        List.of("city")),
                named.answerFormat().functions().get("get_weather"));
    }

    @Test
    void toolChoiceNoneHidesTheToolsAndAutoShowsThem() {
        PreparedRequest none = prepare(chat(TOOLS + ",'tool_choice':'none'", "Weather?"));
        assertFalse(none.prompt().contains("# Tools"), none.prompt());
        assertNull(none.answerFormat());
        PreparedRequest auto = prepare(chat(TOOLS + ",'tool_choice':'auto'", "Weather?"));
        assertTrue(auto.prompt().contains("# Tools"), auto.prompt());
        assertNull(auto.answerFormat());
    }

    @Test
    void aForcedCallNeedsTheToolItNames() {
        ErrorDetail unknown =
                refusal(chat(TOOLS + ",'tool_choice':{'type':'function','function':{'name':'get_news'}}", "News?"));
        assertEquals(ErrorCode.SCHEMA_VIOLATION, unknown.code());
        assertEquals("/tool_choice/function/name", unknown.field());
        assertTrue(
                unknown.message().contains("'get_news', which is not among the tools (get_weather, get_time)"),
                unknown.message());

        ErrorDetail noTools = refusal(chat(",'tool_choice':'required'", "Weather?"));
        assertEquals(ErrorCode.SCHEMA_VIOLATION, noTools.code());
        assertEquals("/tool_choice", noTools.field());
        assertTrue(noTools.message().contains("has no tools"), noTools.message());

        ErrorDetail twice = refusal(chat(
                ",'tools':[{'type':'function','function':{'name':'f'}},{'type':'function','function':{'name':'f'}}],"
                        + "'tool_choice':'required'",
                "Go"));
        assertEquals("/tools/1/function/name", twice.field());
    }

    @Test
    void aSchemaTheEngineCannotEnforceIsRefusedAtItsKeyword() {
        ErrorDetail schema = refusal(chat(
                ",'response_format':{'type':'json_schema','json_schema':{'name':'n','schema':{'type':'object',"
                        + "'properties':{'when':{'oneOf':[{'type':'string'},{'type':'integer'}]}}}}}",
                "When?"));
        assertEquals(ErrorCode.SCHEMA_VIOLATION, schema.code());
        assertEquals("/response_format/json_schema/schema/properties/when", schema.field());
        assertTrue(schema.message().contains("'oneOf' is not supported"), schema.message());

        ErrorDetail pattern = refusal(chat(
                ",'response_format':{'type':'json_schema','json_schema':{'name':'n','schema':{'type':'string',"
                        + "'pattern':'(?<=a)b'}}}",
                "When?"));
        assertEquals("/response_format/json_schema/schema/pattern", pattern.field());

        ErrorDetail parameters = refusal(chat(
                ",'tools':[{'type':'function','function':{'name':'f'}},{'type':'function','function':{'name':'g',"
                        + "'parameters':{'type':'object','properties':{'ids':{'type':'array','uniqueItems':true}}}}}],"
                        + "'tool_choice':'required'",
                "Go"));
        assertEquals("/tools/1/function/parameters/properties/ids", parameters.field());
        assertTrue(parameters.message().contains("tool 'g'"), parameters.message());
        assertTrue(parameters.message().contains("'uniqueItems' is not supported"), parameters.message());

        // A named call checks only the tool it names: the other's parameters are never enforced.
        assertEquals(
                List.of("f"),
                List.copyOf(prepare(chat(
                                ",'tools':[{'type':'function','function':{'name':'f'}},{'type':'function','function':"
                                        + "{'name':'g','parameters':{'type':'object','properties':{'ids':{'type':"
                                        + "'array','uniqueItems':true}}}}}],'tool_choice':{'type':'function',"
                                        + "'function':{'name':'f'}}",
                                "Go"))
                        .answerFormat()
                        .functions()
                        .keySet()));

        ErrorDetail missing =
                refusal(chat(",'response_format':{'type':'json_schema','json_schema':{'name':'n'}}", "When?"));
        assertEquals("/response_format/json_schema/schema", missing.field());
        assertEquals(
                "/response_format/json_schema",
                refusal(chat(",'response_format':{'type':'json_schema'}", "When?"))
                        .field());
    }

    @Test
    void oneConstraintPerAnswerAndOnlyForChat() {
        ErrorDetail both =
                refusal(chat(TOOLS + ",'tool_choice':'required','response_format':{'type':'json_object'}", "Weather?"));
        assertEquals(ErrorCode.SCHEMA_VIOLATION, both.code());
        assertEquals("/tool_choice", both.field());
        // auto with a JSON format: the answer is the JSON (constrained decoding allows no <tool_call>).
        assertEquals(
                PreparedRequest.AnswerFormat.jsonObject(),
                prepare(chat(TOOLS + ",'response_format':{'type':'json_object'}", "Weather?"))
                        .answerFormat());

        ErrorDetail translate = refusal("{'schema_version':1,'request_id':'t','task':'translate','text':'Hallo',"
                + "'translate':{'target_language':'English'},'response_format':{'type':'json_object'}}");
        assertEquals("/response_format", translate.field());
        assertTrue(translate.message().contains("task chat only"), translate.message());
    }
}
